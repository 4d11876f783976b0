"""Dataset schemas, declared in ``schemas.yaml`` and loaded into typed objects."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from datasets.specs import SpecError, SpecIssue

SCHEMA_FILE = Path(__file__).with_name("schemas.yaml")
SCHEMA_NAME = SCHEMA_FILE.name
TYPES = {"string", "integer", "number", "date", "timestamp", "boolean", "enum", "region"}
DEFAULT_MAX = 1e12
SYNTHETIC_COLUMN = "is_synthetic"
# When a row arrived in the warehouse (transaction time). Files may carry it as 入库时间 (the demo's
# simulated monthly arrivals, or history migrated from an earlier warehouse); otherwise it is the
# load time. NULL marks the initial population of a dataset: rows loaded into an empty table
# without their own arrival time count as recorded when their events happened, since the
# warehouse has no record of when they would have arrived before it existed.
RECORDED_COLUMN = "recorded_at"
RECORDED_LABEL = "入库时间"

# DuckDB column type for each schema type.
SQL_TYPES = {
    "string": "VARCHAR",
    "enum": "VARCHAR",
    "region": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}


class SchemaError(SpecError):
    """``schemas.yaml`` itself is malformed; ``issues`` lists every problem found."""

    subject = ("数据集模式", "schemas.yaml")


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    not_future: bool = False
    not_before: str | None = None

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    def describe(self) -> str:
        """Column name with its Chinese label, as used in error messages: ``「closed_at」（办结时间）``."""
        return f"「{self.name}」（{self.label}）"


@dataclass(frozen=True)
class DatasetSchema:
    name: str
    title: str
    title_en: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    period_column: str
    long_form: bool = False
    indicator_patterns: tuple[re.Pattern, ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def header_aliases(self) -> dict[str, str]:
        """Accepted header spellings (normalised) → column name: the name, the Chinese label."""
        aliases = {}
        for c in self.columns:
            aliases[normalise_header(c.name)] = c.name
            aliases[normalise_header(c.label)] = c.name
        aliases[normalise_header(SYNTHETIC_COLUMN)] = SYNTHETIC_COLUMN
        aliases[normalise_header("是否模拟数据")] = SYNTHETIC_COLUMN
        aliases[normalise_header(RECORDED_COLUMN)] = RECORDED_COLUMN
        aliases[normalise_header(RECORDED_LABEL)] = RECORDED_COLUMN
        return aliases

    def indicator_score(self, indicators: list[str]) -> float:
        """Share of ``indicators`` whose code matches this dataset's indicator patterns."""
        if not indicators or not self.indicator_patterns:
            return 0.0
        hits = sum(any(p.match(i) for p in self.indicator_patterns) for i in indicators)
        return hits / len(indicators)


def normalise_header(text: str) -> str:
    return str(text).replace("\ufeff", "").strip().lower().replace(" ", "_")


def _column(dataset: str, raw: dict) -> Column:
    where = f"{dataset}.{raw.get('name', '?')}"
    unknown = set(raw) - {f for f in Column.__dataclass_fields__}
    if unknown:
        raise SchemaError(
            [SpecIssue(SCHEMA_NAME, where, f"unknown field(s) {sorted(unknown)}（未知字段）")]
        )
    if raw.get("type") not in TYPES:
        raise SchemaError(
            [
                SpecIssue(
                    SCHEMA_NAME,
                    where,
                    f"type must be one of {sorted(TYPES)}, got {raw.get('type')!r}"
                    "（类型不在允许的类型之中）",
                )
            ]
        )
    if raw["type"] == "enum" and not raw.get("values"):
        raise SchemaError(
            [SpecIssue(SCHEMA_NAME, where, "an enum needs 'values'（枚举列须列出取值）")]
        )
    values = tuple(str(v) for v in raw.get("values", ()))
    max_ = raw.get("max", DEFAULT_MAX if raw["type"] in ("integer", "number") else None)
    bounds = {k: float(v) for k, v in (("min", raw.get("min")), ("max", max_)) if v is not None}
    return Column(**{**raw, "values": values, "max": None, **bounds})


@lru_cache(maxsize=1)
def load_schemas(path: Path = SCHEMA_FILE) -> dict[str, DatasetSchema]:
    """Read and check ``schemas.yaml``; returns dataset name → :class:`DatasetSchema`."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    schemas, issues = {}, []
    for name, spec in raw.items():
        try:
            columns = tuple(_column(name, c) for c in spec["columns"])
        except SchemaError as err:
            issues += err.issues
            continue
        names = [c.name for c in columns]
        if len(set(names)) != len(names):
            issues.append(SpecIssue(SCHEMA_NAME, name, "duplicate column names（列名重复）"))
        for k in [*spec["key"], spec["period_column"]]:
            if k not in names:
                issues.append(
                    SpecIssue(
                        SCHEMA_NAME,
                        name,
                        f"key/period column {k!r} is not a column（键列或时期列不是本数据集的列）",
                    )
                )
        for c in columns:
            if c.not_before and c.not_before not in names:
                issues.append(
                    SpecIssue(
                        SCHEMA_NAME,
                        f"{name}.{c.name}",
                        f"not_before {c.not_before!r} unknown（未知的列）",
                    )
                )
        schemas[name] = DatasetSchema(
            name=name,
            title=spec["title"],
            title_en=spec["title_en"],
            description=" ".join(str(spec["description"]).split()),
            key=tuple(spec["key"]),
            columns=columns,
            period_column=spec["period_column"],
            long_form=bool(spec.get("long_form", False)),
            indicator_patterns=tuple(re.compile(p) for p in spec.get("indicator_patterns", ())),
        )
    if issues:
        raise SchemaError(issues)
    return schemas


def schema(name: str) -> DatasetSchema:
    """The schema of dataset ``name``; a clear error lists the known datasets."""
    schemas = load_schemas()
    if name not in schemas:
        raise KeyError(f"未知数据集「{name}」。可用数据集：{', '.join(schemas)}")
    return schemas[name]
