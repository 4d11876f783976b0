"""How an indicator is computed: the catalog's ``compute`` declarations as typed variants.

Each variant names the dataset and columns it reads; :mod:`indicators.engine` turns it into
portable SQL, :mod:`indicators.formulas` into Chinese words. The ``type`` key picks the variant
(a discriminated union), so a declaration is checked against exactly the fields its kind has.

- ``stock_share`` / ``stock_count``: a level at a date over records that enter (``start``),
  reach an event (``event``) and may leave (``end``): 通办完成率, 典型场景数.
- ``flow_share`` / ``flow_count``: records of a period (``period``), e.g. 12345 工单 of a month.
- ``table_share`` / ``table_sum``: monthly summary tables (``year``, ``month`` columns).
- ``statistic``: a published statistic from the long tables (``economic_stats``,
  ``governance_stats``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, ValidationError

from datasets.specs import SpecModel

ColumnRef = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", description="数据集的列名")]
Where = Annotated[str, Field(min_length=1, description="SQL 条件（数据集的列）")]
Scale = Annotated[float, Field(description="结果乘以的倍数（百分比为 100）")]
LagDays = Annotated[int, Field(ge=0, description="发布滞后天数：月末后多少天可得")]


class StockShare(SpecModel):
    """Share of the records present at a date that have reached their event by then."""

    type: Literal["stock_share"]
    dataset: str
    where: Where | None = None
    start: ColumnRef = Field(description="记录计入分母的日期")
    end: ColumnRef | None = Field(None, description="记录退出（如系统下线）的日期")
    event: ColumnRef = Field(description="记录计入分子的日期")
    scale: Scale = 1.0
    measure: Literal["share", "remaining"] = Field(
        "share", description="share：分子 ÷ 分母；remaining：分母 − 分子（尚未完成的记录数）"
    )


class StockCount(SpecModel):
    """Number of records that have reached their event by a date (and not left)."""

    type: Literal["stock_count"]
    dataset: str
    where: Where | None = None
    event: ColumnRef
    end: ColumnRef | None = None


class FlowPart(SpecModel):
    """Which of a period's records count, and from when they are known."""

    where: Where | None = None
    known: ColumnRef | None = Field(None, description="从这一列的日期起才知道（缺省：时期列）")


class FlowShare(SpecModel):
    """Share of a period's records (the denominator) that meet a condition (the numerator)."""

    type: Literal["flow_share"]
    dataset: str
    where: Where | None = None
    period: ColumnRef = Field(description="把记录归入时期的日期列")
    numerator: FlowPart
    denominator: FlowPart = FlowPart()
    scale: Scale = 1.0


class FlowCount(SpecModel):
    """Number of a period's records."""

    type: Literal["flow_count"]
    dataset: str
    where: Where | None = None
    period: ColumnRef
    scale: Scale = 1.0


class TableShare(SpecModel):
    """Sum of one column over the sum of another, over a period's months of a summary table."""

    type: Literal["table_share"]
    dataset: str
    where: Where | None = None
    numerator: ColumnRef
    denominator: ColumnRef
    lag_days: LagDays = 0
    scale: Scale = 1.0


class TableSum(SpecModel):
    """Sum of one column over a period's months of a summary table."""

    type: Literal["table_sum"]
    dataset: str
    where: Where | None = None
    column: ColumnRef
    lag_days: LagDays = 0
    scale: Scale = 1.0


class Statistic(SpecModel):
    """A published statistic, optionally over another one summed over the period."""

    type: Literal["statistic"]
    indicator: str = Field(min_length=1, description="统计长表中的指标代码")
    denominator: str | None = Field(None, min_length=1, description="作分母的统计指标代码")
    over_time: Literal["last", "sum", "mean"] = Field("last", description="时段内汇总方式")
    over_regions: Literal["reported", "sum", "mean"] = Field(
        "reported", description="地区汇总：各级公布值、设区市求和或平均"
    )
    lag_days: LagDays = 0
    scale: Scale = 1.0


Compute = Annotated[
    StockShare | StockCount | FlowShare | FlowCount | TableShare | TableSum | Statistic,
    Field(discriminator="type"),
]
STOCK_TYPES = {"stock_share", "stock_count"}
FLOW_TYPES = {"flow_share", "flow_count", "table_share", "table_sum"}
SHARE_TYPES = {"stock_share", "flow_share", "table_share"}

_ADAPTER: TypeAdapter = TypeAdapter(Compute)


def parse_compute(raw: Compute | Mapping) -> Compute:
    """A ``compute`` declaration as its typed variant (a variant is returned as it is)."""
    if not isinstance(raw, Mapping):
        return raw
    try:
        return _ADAPTER.validate_python(dict(raw))
    except ValidationError as err:
        if any(e["type"] == "union_tag_invalid" for e in err.errors()):
            raise ValueError(f"unknown compute type {raw.get('type')!r}") from None
        raise


def has_denominator(c: Compute) -> bool:
    """Whether the value is a ratio of two sums (shares, or a statistic over another)."""
    return c.type in SHARE_TYPES or (isinstance(c, Statistic) and bool(c.denominator))


def value_kind(c: Compute) -> str:
    """``remaining`` (denominator − numerator), ``share`` (a ratio) or ``level``."""
    if isinstance(c, StockShare) and c.measure == "remaining":
        return "remaining"
    return "share" if has_denominator(c) else "level"
