"""What is wrong with a spec file, said the same way for every kind of spec.

The dataset schemas (``datasets/schemas.yaml``), the indicator catalog and target sets
(``indicators/catalog/``, ``indicators/targets/``) and the early-warning rules
(``models/rules/``) are declared as data and validated when loaded. Each validator collects
every problem it finds as a :class:`SpecIssue` (the file, where in it, and what is wrong, in
Chinese) and raises them together as its own subclass of :class:`SpecError`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SpecIssue:
    """One problem in one spec file: ``where`` is the path to the entry and field (an
    indicator code, a rule id, ``dataset.column``), empty for the file as a whole."""

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.where}: {self.message}"
            if self.where
            else (f"{self.file}: {self.message}")
        )


class SpecError(ValueError):
    """A spec file is invalid; ``issues`` lists every problem found."""

    subject = ("规格", "spec")  # (Chinese, English) name of what was being read

    def __init__(self, issues: list[SpecIssue]):
        self.issues = issues
        zh, en = self.subject
        lines = "\n".join(f"  - {i}" for i in issues)
        super().__init__(f"{zh}有 {len(issues)} 处错误 / {en} has {len(issues)} issue(s):\n{lines}")
