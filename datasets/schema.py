"""Dataset schemas, declared in ``schemas.yaml`` and loaded into typed objects."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    RootModel,
    field_validator,
    model_validator,
)

from datasets.specs import SpecError, SpecModel, load_spec

SCHEMA_FILE = Path(__file__).with_name("schemas.yaml")
SCHEMA_NAME = SCHEMA_FILE.name
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


ColumnType = Literal[
    "string", "integer", "number", "date", "timestamp", "boolean", "enum", "region"
]
ColumnName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class Column(SpecModel):
    """One column of a dataset: its machine name, Chinese header and the checks on its values."""

    name: ColumnName = Field(description="机器名（也是表的列名）；文件可用它或中文表头")
    label: str = Field(min_length=1, description="中文表头（文件中可作为列名的别名）")
    type: ColumnType
    required: bool = Field(False, description="每一行都必须有值")
    values: tuple[str, ...] = Field((), description="允许的取值（enum 列必填）")
    min: float | None = Field(None, description="下限（integer、number 列）")
    max: float | None = Field(
        None, description=f"上限（integer、number 列；缺省 {DEFAULT_MAX:g}，以拦住离谱的大数）"
    )
    unit: str | None = Field(None, description="数值列的单位")
    not_future: bool = Field(False, description="日期/时间不得晚于入库日")
    not_before: ColumnName | None = Field(None, description="日期/时间不得早于同一行的这一列")
    not_above: ColumnName | None = Field(
        None, description="数值不得大于同一行的这一列（部分不超过总数，如好评数 ≤ 评价数）"
    )

    @field_validator("values", mode="before")
    @classmethod
    def _values_as_text(cls, value):
        return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else value

    @model_validator(mode="before")
    @classmethod
    def _default_max(cls, raw):
        if isinstance(raw, dict) and raw.get("type") in ("integer", "number") and "max" not in raw:
            return {**raw, "max": DEFAULT_MAX}
        return raw

    @model_validator(mode="after")
    def _enum_has_values(self) -> Column:
        if self.type == "enum" and not self.values:
            raise ValueError("枚举列须列出取值（an enum needs 'values'）")
        return self

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    def describe(self) -> str:
        """Column name with its Chinese label, as used in error messages: ``「closed_at」（办结时间）``."""
        return f"「{self.name}」（{self.label}）"

    def named(self, header: str | None = None, *, chinese: bool = False) -> str:
        """The column as a file names it, the other name after: ``「办结时间」（closed_at）`` for
        a file headed 办结时间, ``「closed_at」（办结时间）`` for one headed closed_at. A column
        the file lacks (``header`` None) is named the way the file names the others."""
        if header is None:
            return f"「{self.label}」（{self.name}）" if chinese else self.describe()
        if normalise_header(header) == normalise_header(self.name):
            return f"「{header}」（{self.label}）"
        return f"「{header}」（{self.name}）"


class DatasetSchema(SpecModel):
    """One dataset (one warehouse table): its titles, key, period column and columns."""

    title: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    description: str = Field(min_length=1)
    key: tuple[ColumnName, ...] = Field(min_length=1, description="唯一标识一行的列")
    period_column: ColumnName = Field(description="行所属时期的列（覆盖范围、时效）")
    columns: tuple[Column, ...] = Field(min_length=1)
    long_form: bool = Field(False, description="长表：一行一个指标值（indicator, value）")
    indicator_patterns: tuple[re.Pattern, ...] = Field(
        (), description="长表中本数据集的指标代码（正则），用来为上传的文件认出数据集"
    )
    _name: str = PrivateAttr("")

    @field_validator("description")
    @classmethod
    def _one_line(cls, text: str) -> str:
        return " ".join(text.split())

    @model_validator(mode="after")
    def _columns_exist(self) -> DatasetSchema:
        names = self.column_names
        if len(set(names)) != len(names):
            raise ValueError("列名重复（duplicate column names）")
        missing = [k for k in dict.fromkeys([*self.key, self.period_column]) if k not in names]
        if missing:
            listed = ", ".join(repr(k) for k in missing)
            raise ValueError(
                f"键列或时期列 {listed} 不是本数据集的列（key/period column {listed} is not a column）"
            )
        for c in self.columns:
            if c.not_before and c.not_before not in names:
                raise ValueError(f"列 {c.name} 的 not_before {c.not_before!r} 不是本数据集的列")
            if c.not_above and c.not_above not in names:
                raise ValueError(f"列 {c.name} 的 not_above {c.not_above!r} 不是本数据集的列")
        return self

    @property
    def name(self) -> str:
        """The dataset's name: its key in ``schemas.yaml`` and its warehouse table."""
        return self._name

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


class SchemasFile(
    RootModel[dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], DatasetSchema]]
):
    """``schemas.yaml``: dataset name → its schema."""

    model_config = ConfigDict(frozen=True)


def normalise_header(text: str) -> str:
    return str(text).replace("\ufeff", "").strip().lower().replace(" ", "_")


@lru_cache(maxsize=1)
def load_schemas(path: Path = SCHEMA_FILE) -> dict[str, DatasetSchema]:
    """Read and check ``schemas.yaml``; returns dataset name → :class:`DatasetSchema`."""
    schemas = load_spec(SchemasFile, path, SchemaError, names={"columns": "name"}).root
    for name, spec in schemas.items():
        spec._name = name
    return schemas


def schema(name: str) -> DatasetSchema:
    """The schema of dataset ``name``; a clear error lists the known datasets."""
    schemas = load_schemas()
    if name not in schemas:
        raise KeyError(f"未知数据集「{name}」。可用数据集：{', '.join(schemas)}")
    return schemas[name]
