"""领导要情: a plan's standing for a region at an as-of, in plain Chinese, for a leader who reads
one page — the overall count, what changed since the previous vintage, where the largest risks
are, and what is overdue in 督办.

Every sentence carries the figures it states (indicator, region, as-of and the value it
printed), so the page, its PDF and a test can trace each number to the warehouse. The view is
Dash-free and shared by the page (``/briefing``) and the PDF.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from datasets import access, supervision
from datasets.regions import PROVINCE_CODE, region_name
from indicators import read, read_risk
from indicators.catalog import default_catalog
from indicators.text import fmt_value, month_label
from indicators.verdict import LAGGING_VERDICTS

TOP_RISKS = 3
TOP_MOVERS = 3


@dataclass(frozen=True)
class Figure:
    """A number a sentence states: the ``kind`` of value (``current``: the latest value as
    known at ``as_of``; ``deadline``: the value at the plan's deadline that a final verdict is
    about) of ``indicator`` in ``region``, printed as ``shown``."""

    indicator: str
    region: str
    as_of: dt.date
    kind: str
    value: float
    shown: str

    def to_dict(self) -> dict:
        return {
            "indicator": self.indicator,
            "region": self.region,
            "as_of": self.as_of.isoformat(),
            "kind": self.kind,
            "value": self.value,
            "shown": self.shown,
        }


@dataclass(frozen=True)
class Sentence:
    text: str
    figures: tuple[Figure, ...] = ()


@dataclass(frozen=True)
class Section:
    title: str
    sentences: list[Sentence] = field(default_factory=list)


@dataclass(frozen=True)
class Briefing:
    target_set: str
    plan: str
    region: str
    region_zh: str
    as_of: dt.date
    previous: dt.date | None
    sections: list[Section]

    @property
    def title(self) -> str:
        return f"领导要情 · {self.region_zh} · {month_label(self.as_of)}"


def _figure(row: dict, as_of: dt.date, kind: str = "current") -> Figure:
    value = row["shown_value"] if kind == "deadline" else row["current_value"]
    return Figure(
        indicator=row["indicator"],
        region=row["region_code"],
        as_of=as_of,
        kind=kind,
        value=value,
        shown=fmt_value(value, row["unit"], row["decimals"]),
    )


def _delta_words(delta: float, unit: str, decimals: int) -> str:
    size = fmt_value(abs(delta), "" if unit == "%" else unit, decimals)
    unit_words = " 个百分点" if unit == "%" else ""
    if round(delta, decimals) == 0:
        return "持平"
    return f"{'上升' if delta > 0 else '下降'} {size}{unit_words}"


def _overall(rows: pl.DataFrame, as_of: dt.date, where: str) -> Section:
    quantified = rows.filter(pl.col("target_value").is_not_null())
    counts = (
        quantified.group_by("verdict_label").len().sort("len", "verdict_label", descending=True)
    )
    parts = "、".join(f"{label} {n} 项" for label, n in counts.iter_rows())
    text = f"截至 {month_label(as_of)}，{where} {quantified.height} 项量化目标中：{parts}。"
    sentences = [Sentence(text)]
    behind = quantified.filter(pl.col("verdict").is_in(list(LAGGING_VERDICTS)))
    for r in behind.sort("judged_progress", "indicator", nulls_last=True).iter_rows(named=True):
        target = fmt_value(r["target_value"], r["unit"], r["decimals"])
        if r["verdict"] == "final_not_achieved":
            at = _figure(r, as_of, "deadline")
            now = _figure(r, as_of)
            sentences.append(
                Sentence(
                    f"「{r['name_zh']}」{r['verdict_text']}：{int(r['target_year'])} 年末 "
                    f"{at.shown}，目标 {target}；{month_label(as_of)}为 {now.shown}。",
                    (at, now),
                )
            )
        else:
            now = _figure(r, as_of)
            sentences.append(
                Sentence(
                    f"「{r['name_zh']}」{r['verdict_text']}：当前 {now.shown}，目标 {target}。",
                    (now,),
                )
            )
    return Section("总体情况", sentences)


def _changes(now: pl.DataFrame, before: pl.DataFrame, as_of, previous) -> Section:
    if previous is None:
        return Section("本期变化", [Sentence("这是最早一期数据，没有上期可比。")])
    joined = now.join(
        before.select("indicator", "region_code", "verdict", "verdict_label", "current_value"),
        on=["indicator", "region_code"],
        suffix="_before",
    ).filter(pl.col("current_value").is_not_null() & pl.col("current_value_before").is_not_null())
    sentences = []
    moved = joined.filter(pl.col("verdict") != pl.col("verdict_before"))
    for r in moved.sort("indicator").iter_rows(named=True):
        fig = _figure(r, as_of)
        was = _figure({**r, "current_value": r["current_value_before"]}, previous)
        sentences.append(
            Sentence(
                f"「{r['name_zh']}」由「{r['verdict_label_before']}」转为「{r['verdict_label']}」，"
                f"{month_label(as_of)}为 {fig.shown}（上期 {was.shown}）。",
                (fig, was),
            )
        )
    if moved.is_empty():
        sentences.append(Sentence(f"与上期（{month_label(previous)}）相比，没有目标改变结论。"))
    ranked = joined.with_columns(change=(pl.col("current_value") - pl.col("current_value_before")))
    ranked = ranked.filter(
        # a change too small to show at the indicator's decimals is no change to a reader
        (pl.col("change") * 10 ** pl.col("decimals").cast(pl.Float64)).round(0) != 0
    )
    ranked = ranked.with_columns(
        # a change in points of the target's own scale, comparable across targets
        size=(pl.col("change") / pl.col("target_value").abs().clip(lower_bound=1e-9)).abs()
    ).sort("size", "indicator", descending=[True, False])
    for r in ranked.head(TOP_MOVERS).iter_rows(named=True):
        fig = _figure(r, as_of)
        was = _figure({**r, "current_value": r["current_value_before"]}, previous)
        words = _delta_words(r["change"], r["unit"], r["decimals"])
        sentences.append(
            Sentence(f"「{r['name_zh']}」{words}，由 {was.shown} 到 {fig.shown}。", (was, fig))
        )
    if ranked.is_empty():
        sentences.append(Sentence("各目标的数值与上期相同。"))
    return Section(f"本期变化（与 {month_label(previous)} 相比）", sentences)


def _risks(warehouse, target_set: str, as_of: dt.date, region: str, previous) -> Section:
    frame = read_risk.warnings(warehouse, as_of, target_set=target_set)
    if region != PROVINCE_CODE:
        frame = frame.filter(pl.col("region_code") == region)
    if frame.is_empty():
        return Section("风险预警", [Sentence("当前没有触发的预警。")])
    counts = frame.group_by("severity_rank", "severity_label").len().sort("severity_rank")
    parts = "、".join(f"{label}风险 {n} 条" for _, label, n in counts.iter_rows())
    sentences = [Sentence(f"当前预警 {frame.height} 条：{parts}。")]
    if previous is not None:
        new = frame.filter(pl.col("first_fired") > previous)
        if new.height:
            sentences.append(Sentence(f"其中本期新触发 {new.height} 条。"))
    for r in frame.head(TOP_RISKS).iter_rows(named=True):
        sentences.append(Sentence(f"{r['severity_label']}风险：{r['message']}"))
    return Section("风险预警", sentences)


def _duban(region: str, today: dt.date | None = None) -> Section | None:
    if not supervision.has_tasks():
        return None
    scope = access.current_scope()  # the reader's: a unit's user counts its unit's tasks only
    found = [t for t in supervision.list_tasks(today=today) if supervision.in_scope(t, scope)]
    if region != PROVINCE_CODE:
        found = [t for t in found if supervision.city_of(t.region_code) == region]
    c = supervision.counts(found, today)
    text = f"督办事项在办 {c['open']} 件，其中逾期 {c['overdue']} 件、已升级 {c['escalated']} 件。"
    sentences = [Sentence(text)]
    if c["most_overdue"]:
        worst = "、".join(f"{unit} {n} 件" for unit, n in c["most_overdue"][:3])
        sentences.append(Sentence(f"逾期最多：{worst}。"))
    return Section("督办落实", sentences)


def briefing(
    warehouse,
    target_set: str | None = None,
    region: str = PROVINCE_CODE,
    as_of: dt.date | str | None = None,
    *,
    today: dt.date | None = None,
) -> Briefing:
    """The briefing of ``target_set`` for ``region`` at ``as_of`` (default the newest vintage),
    compared with the vintage before it."""
    target_set = target_set or read.default_target_set()
    when = read.resolve_as_of(warehouse, as_of)
    if when is None:
        raise ValueError("数据仓库尚未计算指标")
    vintages = [v for v in read.vintages(warehouse) if v < when]
    previous = vintages[-1] if vintages else None
    now = read.progress(warehouse, target_set, when, regions=[region])
    before = (
        read.progress(warehouse, target_set, previous, regions=[region])
        if previous
        else now.clear()
    )
    where = "全省" if region == PROVINCE_CODE else region_name(region)
    sections = [
        _overall(now, when, where),
        _changes(now, before, when, previous),
        _risks(warehouse, target_set, when, region, previous),
    ]
    duban = _duban(region, today)
    if duban:
        sections.append(duban)
    ts = default_catalog().target_sets[target_set]
    return Briefing(
        target_set=target_set,
        plan=ts.name_zh,
        region=region,
        region_zh=where,
        as_of=when,
        previous=previous,
        sections=sections,
    )
