"""Spec files declared as data: one way to model them, to read them and to say what is wrong.

The dataset schemas (``datasets/schemas.yaml``), the indicator catalog and target sets
(``indicators/catalog/``, ``indicators/targets/``) and the early-warning rules
(``models/rules/``) are each described by pydantic models built on :class:`SpecModel` (frozen,
unknown keys refused). The models are the single source of truth: they validate the YAML, they
are the typed objects the rest of the code reads, and the JSON Schema files beside the YAML (for
editors and for other tools) are generated from them (``databrain specs --write``; a test keeps
them current).

A file is checked in two layers. **Shape**: pydantic validates the document against the models
and every error becomes a :class:`SpecIssue` through :func:`issues_from`, which names the entry by
its code (``items_rate.compute.event``, ``hotline_tickets.closed_at``) rather than by list index,
and says what is wrong in Chinese. **Meaning**: rules that look across entries or files (codes that
exist, columns of the right type) run on the typed objects and add their own issues. A loader
raises all of them together as its own subclass of :class:`SpecError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError


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


class SpecModel(BaseModel):
    """Base of every spec model: immutable, and a key the model does not declare is an error
    (a misspelt key must not fall back to a default silently)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path) -> tuple[object, list[SpecIssue]]:
    """The YAML document in ``path``, or the syntax error as an issue."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8")), []
    except yaml.YAMLError as err:
        return None, [SpecIssue(Path(path).name, "", f"YAML 语法错误：{err}")]


def read_spec(model: type[M], path: Path, **naming) -> tuple[M | None, list[SpecIssue]]:
    """The spec file ``path`` validated into ``model``, or None and its issues (YAML syntax or
    shape, through :func:`issues_from` with ``naming``'s ``names`` and ``kinds``)."""
    doc, issues = read_yaml(path)
    if issues:
        return None, issues
    try:
        return model.model_validate(doc), []
    except ValidationError as err:
        return None, issues_from(err, doc, Path(path).name, **naming)


def load_spec(model: type[M], path: Path, error: type[SpecError], **naming) -> M:
    """:func:`read_spec` for a file that must be valid: its issues raised as ``error``."""
    spec, issues = read_spec(model, path, **naming)
    if issues:
        raise error(issues)
    return spec


# What a value should have been, for pydantic's "<kind>_type" / "<kind>_parsing" errors.
_KIND_ZH = {
    "int": "整数",
    "float": "数字",
    "decimal": "数字",
    "string": "文字",
    "bool": "true 或 false",
    "list": "列表",
    "tuple": "列表",
    "set": "列表",
    "dict": "键值映射",
    "model": "键值映射",
    "model_attributes": "键值映射",
    "date": "日期（YYYY-MM-DD）",
}
_BOUNDS = {
    "greater_than": ">",
    "greater_than_equal": "≥",
    "less_than": "<",
    "less_than_equal": "≤",
}


def _listed(expected: str) -> list[str]:
    """``"'a', 'b' or 'c'"`` (pydantic's wording of allowed values) → ``['a', 'b', 'c']``."""
    return re.findall(r"'((?:[^'\\]|\\.)*)'", expected)


def _message(err: dict) -> str:
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if kind == "missing":
        return f"缺少必填字段：{err['loc'][-1]!r} is a required property"
    if kind == "extra_forbidden":
        return (
            "未知字段（检查拼写）：Additional properties are not allowed "
            f"({err['loc'][-1]!r} was unexpected)"
        )
    if kind in ("literal_error", "enum"):
        return f"取值 {value!r} 不在允许范围 {_listed(ctx.get('expected', ''))}"
    if kind == "string_pattern_mismatch":
        return f"{value!r} does not match {ctx['pattern']!r}（格式不符）"
    if kind == "union_tag_invalid":
        return f"{ctx['tag']!r} 不是可选的种类；可选：{'、'.join(_listed(ctx['expected_tags']))}"
    if kind == "union_tag_not_found":
        return f"缺少必填字段：{ctx['discriminator'].strip(chr(39))!r} is a required property"
    if kind == "string_too_short":
        return "不能为空"
    if kind == "too_short":
        return f"至少需要 {ctx['min_length']} 项"
    if kind == "too_long":
        return f"至多 {ctx['max_length']} 项"
    if kind in _BOUNDS:
        bound = next(iter(ctx.values()))
        return f"应 {_BOUNDS[kind]} {bound}，实为 {value!r}"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", err["msg"]))
    stem = kind.removesuffix("_type").removesuffix("_parsing").removesuffix("_from_datetime")
    if stem in _KIND_ZH:
        return f"应为{_KIND_ZH[stem]}，实为 {value!r}"
    return err["msg"]


def _child(node: object, part: object) -> object:
    if isinstance(node, Mapping):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def issues_from(
    error: ValidationError,
    doc: object,
    file: str,
    *,
    names: Mapping[str, str] = {},
    kinds: Mapping[str, str] = {},
) -> list[SpecIssue]:
    """Every error of a pydantic validation of ``doc`` as a :class:`SpecIssue` of ``file``.

    ``where`` follows the error's path through the document with two readings a person would
    use: an entry of a list named in ``names`` (list field → key field, e.g. ``indicators`` →
    ``code``) is called by that key, and the tag pydantic inserts for a discriminated union is
    dropped. Errors inside a union named in ``kinds`` (field → what its kinds are called, e.g.
    ``compute`` → 计算方式) are reported on that field: "计算方式 'stock_share' 的写法不对：…".
    A missing or unknown field is reported on the object that has (or lacks) it."""
    issues = []
    errors = error.errors(include_url=False)
    for err in errors:
        loc = list(err["loc"])
        if err["type"] == "too_short" and any(
            len(other["loc"]) > len(loc) and list(other["loc"][: len(loc)]) == loc
            for other in errors
        ):
            continue  # a list left short only because its entries failed: they say why
        # a missing or unknown field is reported on the object that lacks or has it
        owner = loc[:-1] if err["type"] in ("missing", "extra_forbidden") and loc else loc
        labels: list[str] = []
        node: object = doc
        variant: tuple[str, str] | None = None  # (field, kind) when inside a named union
        inner: list[str] = []  # the path inside that union's kind
        parent_field: object = None
        for part in owner:
            if (
                isinstance(node, Mapping)
                and isinstance(part, str)
                and part not in node
                and part in {str(v) for v in node.values() if isinstance(v, str)}
            ):
                if parent_field in kinds and variant is None:
                    variant = (str(parent_field), part)
                continue  # the tag pydantic inserts for a discriminated union
            path = labels if variant is None else inner
            if isinstance(part, int) and parent_field in names:
                entry = _child(node, part)
                key = entry.get(names[parent_field]) if isinstance(entry, Mapping) else None
                path[-1:] = [str(key) if key else f"{parent_field}[{part}]"]
            else:
                path.append(str(part))
            node, parent_field = _child(node, part), part
        message = _message(err)
        if variant is not None:
            field, kind = variant
            inside = f"{'.'.join(inner)}: " if inner else ""
            message = f"{kinds[field]} {kind!r} 的写法不对：{inside}{message}"
        issues.append(SpecIssue(file, ".".join(labels), message))
    return issues


def json_schema_text(model: type[BaseModel], path: str, *, title: str) -> str:
    """The JSON Schema of ``model`` as the text committed at ``path`` (relative to the
    project root, which also names its ``$id``)."""
    schema = model.model_json_schema(mode="validation")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"databrain/{path}",
        "title": title,
        **{k: v for k, v in schema.items() if k != "title"},
    }
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
