"""Every measurable section of the plan is cited by the catalog; the exclusions are real sections.

The plan (``../shared/plan/jiangsu-14th-fyp-digital-government-plan.md``) is read from its
headings: ``## 五、`` a chapter, ``### （一）`` a section, ``#### 2．`` an item, labelled as the
catalog cites them — ``五``, ``五(一)``, ``五(一)2``. A clause (an indicator's in
``indicators/catalog/*.yaml`` or a target's in ``indicators/targets/*.yaml``) cites one or more
sections, ``；``-separated, each part starting with a label: ``二(三) 发展目标：…；五(一)1 …``.

Coverage, in the plan's own nesting:

- a section is **covered** when a clause cites it or a section inside it (``五(一)2`` covers
  ``五(一)2``, ``五(一)`` and ``五``). An item (the deepest level) is therefore covered only by a
  citation of itself, and a chapter or section with items is covered as soon as one of them is,
  while each of its items still has to be covered on its own;
- a section is **measurable** unless the target set declares it, or a section it lies in, in
  ``unmeasured_sections`` with a reason (``七`` excludes ``七(一)``…``七(三)`` too).

The test lists every measurable section that no clause covers, by label and title.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indicators.catalog import load_catalog

PLAN = Path(__file__).resolve().parents[2].parent / "shared" / "plan"
PLAN_FILE = PLAN / "jiangsu-14th-fyp-digital-government-plan.md"
pytestmark = pytest.mark.skipif(
    not PLAN_FILE.is_file(),
    reason=f"plan text not available: {PLAN_FILE} is absent (../shared is not beside the checkout)",
)

NUMERALS = "一二三四五六七八九十"
HEADING = re.compile(
    rf"^(?P<hashes>#{{2,4}})\s*(?:(?P<chapter>[{NUMERALS}]+)、|（(?P<section>[{NUMERALS}]+)）"
    rf"|(?P<item>[0-9]+)．)\s*(?P<title>.*?)\s*$"
)
CITATION = re.compile(rf"^([{NUMERALS}]+)(?:\(([{NUMERALS}]+)\)([0-9]+)?)?(?=[\s：:]|$)")
Label = tuple[str, ...]


def label_text(label: Label) -> str:
    chapter, *rest = label
    section = f"({rest[0]})" if rest else ""
    return chapter + section + (rest[1] if len(rest) > 1 else "")


def plan_sections(text: str) -> dict[Label, str]:
    """Every heading of the plan as (chapter, section, item) → title, in document order."""
    sections: dict[Label, str] = {}
    chapter = section = None
    for line in text.splitlines():
        m = HEADING.match(line)
        if not m:
            continue
        depth = len(m["hashes"])
        if depth == 2 and m["chapter"]:
            chapter, section, label = m["chapter"], None, (m["chapter"],)
        elif depth == 3 and m["section"] and chapter:
            section, label = m["section"], (chapter, m["section"])
        elif depth == 4 and m["item"] and section:
            label = (chapter, section, m["item"])
        else:
            raise AssertionError(f"plan heading out of order: {line!r}")
        sections[label] = m["title"].rstrip("。")
    return sections


def parse_label(text: str) -> Label | None:
    m = CITATION.match(text.strip())
    return tuple(g for g in m.groups() if g) if m else None


def citations(clause: str) -> list[str]:
    return [part.strip() for part in clause.split("；") if part.strip()]


def clauses() -> list[tuple[str, str]]:
    """(where, clause) of every indicator and every target."""
    catalog = load_catalog()
    out = [(f"{i.file}: {i.code}", i.clause) for i in catalog.indicators.values()]
    for ts in catalog.target_sets.values():
        out += [(f"{ts.file}: {t.indicator}", t.clause) for t in ts.targets]
    return out


def inside(label: Label, outer: Label) -> bool:
    return label[: len(outer)] == outer


@pytest.fixture(scope="module")
def sections() -> dict[Label, str]:
    found = plan_sections(PLAN_FILE.read_text(encoding="utf-8"))
    assert len(found) > 40, "the plan's headings were not recognised"
    return found


@pytest.fixture(scope="module")
def unmeasured() -> dict[str, str]:
    out: dict[str, str] = {}
    for ts in load_catalog().target_sets.values():
        out.update(ts.unmeasured_sections)
    return out


def test_plancov001_the_parser_reads_the_plans_structure(sections):
    # Chapters 一…八; 五(一) has three items; 八(三) 健全安全防控体系 has three.
    assert [label_text(s) for s in sections if len(s) == 1] == list("一二三四五六七八")
    assert [s for s in sections if s[:2] == ("五", "一") and len(s) == 3] == [
        ("五", "一", "1"),
        ("五", "一", "2"),
        ("五", "一", "3"),
    ]
    assert sections[("八", "三")] == "健全安全防控体系"
    assert sections[("六",)] == "做强数字政府基础支撑"
    assert parse_label("五(一)2 提升社会治理精细化水平：…") == ("五", "一", "2")
    assert parse_label("六 按照“1＋13＋N”的总体框架") == ("六",)
    assert parse_label("一体事联办") is None


def test_plancov002_every_citation_names_a_section_of_the_plan(sections):
    unknown = [
        f"{where}: {part}"
        for where, clause in clauses()
        for part in citations(clause)
        if parse_label(part) not in sections
    ]
    assert not unknown, "clauses citing no section of the plan:\n" + "\n".join(unknown)


def test_plancov003_every_measurable_section_is_cited(sections, unmeasured):
    excluded = [parse_label(s) for s in unmeasured]
    cited = {parse_label(part) for _, clause in clauses() for part in citations(clause)}
    uncovered = [
        f"{label_text(s)} {title}"
        for s, title in sections.items()
        if not any(inside(s, e) for e in excluded) and not any(c and inside(c, s) for c in cited)
    ]
    assert not uncovered, "measurable sections no indicator or target cites:\n" + "\n".join(
        uncovered
    )


def test_plancov004_each_exclusion_is_a_section_of_the_plan_with_a_reason(sections, unmeasured):
    labels = {s: parse_label(s) for s in unmeasured}
    unknown = [s for s, label in labels.items() if label not in sections]
    assert not unknown, f"unmeasured_sections names no section of the plan: {unknown}"
    nested = [
        (s, o)
        for s, label in labels.items()
        for o, outer in labels.items()
        if s != o and inside(label, outer)
    ]
    assert not nested, f"exclusions already inside another exclusion: {nested}"
    for label, reason in unmeasured.items():
        assert reason.strip(), label
    # 八(三) 健全安全防控体系 is measurable even though the rest of 八 is not.
    assert not any(inside(("八", "三"), label) for label in labels.values())
