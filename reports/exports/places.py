"""The exports of a city page and the cockpit map: ranks, the composite index, the league table and county values."""

from __future__ import annotations

import polars as pl

from datasets.regions import cities
from indicators import read
from indicators.catalog import DOMAINS, default_catalog
from indicators.county import (
    COUNTY_LAYERS,
    county_frame,
    county_layers,
    county_period_label,
    county_ranking,
)
from indicators.text import (
    month_label,
)
from indicators.views import COMPOSITE
from reports.exports.common import (
    AppTable,
    _as_of,
    _frame,
    _number,
    _stem,
    _target_set,
    _target_set_text,
    _ym,
)
from reports.tables import (
    Column,
)

# --- /city/<code>, cockpit map -------------------------------------------------------------------


def _city(query: dict) -> tuple[str, str]:
    names = dict(cities().select("region_code", "name_zh").iter_rows())
    code = query.get("code")
    if code not in names:
        raise ValueError(f"没有代码为「{code or ''}」的设区市")
    return code, names[code]


def city_ranks(warehouse, query: dict) -> AppTable:
    """/city/<code>: the city's rank among the 13 for every indicator, by domain then rank."""
    code, name = _city(query)
    as_of = _as_of(warehouse, query)
    ranks = read.city_ranks(warehouse, as_of, code)
    domain_order = {d: i for i, d in enumerate(DOMAINS)}
    ranks = (
        ranks.filter(pl.col("domain").is_in(list(DOMAINS)))
        .with_columns(_d=pl.col("domain").replace_strict(domain_order, return_dtype=pl.Int32))
        .sort("_d", "rank", "indicator")
    )
    columns = (
        Column("domain", "领域"),
        Column("name_zh", "指标"),
        Column("indicator", "指标代码"),
        Column("period", "时期"),
        _number("value", "数值", decimals_from="decimals"),
        Column("unit", "单位"),
        _number("score", "得分", "0–100"),
        Column("rank", "13 市位次", "integer"),
    )
    return AppTable(
        key="city_ranks",
        title=f"{name} · 13 市排名",
        frame=ranks,
        columns=columns,
        notes=(
            "位次 1 为 13 市最好（按指标方向）；得分为 13 市极差标准化（最好者 100）。",
            "规模指标（总量随城市体量增长，如亿元、件、个）的位次主要反映城市规模。",
        ),
        stem=_stem(name, "13市排名", _ym(as_of)),
        as_of=as_of,
        target_set=_target_set_text(_target_set(query)),
        region=name,
        indicators=tuple(ranks["indicator"].to_list()),
    )


def composite(warehouse, query: dict) -> AppTable:
    """The 13 cities' composite index (综合) and domain indices with ranks; sorted by the
    cockpit's map layer when it is a domain (default 综合)."""
    as_of = _as_of(warehouse, query)
    layer = query.get("layer") if query.get("layer") in (COMPOSITE, *DOMAINS) else COMPOSITE
    frame = read.composite(warehouse, as_of)
    present = set(frame["domain"].to_list())
    domains = [d for d in (COMPOSITE, *DOMAINS) if d in present]
    names = dict(cities().select("region_code", "name_zh").iter_rows())
    by = {(r["region_code"], r["domain"]): r for r in frame.iter_rows(named=True)}
    records = []
    for code, name in names.items():
        record = {"region": name, "region_code": code}
        for i, d in enumerate(domains):
            r = by.get((code, d), {})
            record[f"score_{i}"] = r.get("score")
            record[f"rank_{i}"] = r.get("rank")
        records.append(record)
    sort_on = f"rank_{domains.index(layer)}" if layer in domains else None
    if sort_on:
        records.sort(key=lambda r: (r[sort_on] is None, r[sort_on] or 0, r["region_code"]))
    columns = (Column("region", "城市"), Column("region_code", "地区代码"))
    for i, d in enumerate(domains):
        columns += (
            _number(f"score_{i}", f"{d}指数", "0–100"),
            Column(f"rank_{i}", f"{d}位次", "integer"),
        )
    weighted = tuple(c for c, ind in default_catalog().indicators.items() if ind.weight > 0)
    return AppTable(
        key="composite",
        title="13 市综合与领域指数",
        frame=_frame(records, columns),
        columns=columns,
        notes=(
            "指数按 13 市同口径指标打分（市间极差标准化，0–100，最好者 100），"
            "以指标目录中声明的权重加权；位次 1 为最好。",
        ),
        stem=_stem("综合指数", "13市", _ym(as_of)),
        as_of=as_of,
        region="13 个设区市",
        indicators=weighted,
        extra=(("排序", f"按{layer}位次"),),
    )


def league(warehouse, query: dict) -> AppTable:
    """A 13-city league table of one indicator (``indicator``, or the cockpit map's ``layer``)."""
    catalog = default_catalog()
    code = query.get("indicator") or query.get("layer")
    if code not in catalog.indicators:
        raise ValueError(f"指标「{code or ''}」不在指标目录中")
    ind = catalog[code]
    as_of = _as_of(warehouse, query)
    names = dict(cities().select("region_code", "name_zh").iter_rows())
    frame = read.league(warehouse, as_of, code).with_columns(
        region=pl.col("region_code").replace_strict(names, default=pl.col("region_code"))
    )
    columns = (
        Column("rank", "位次", "integer"),
        Column("region", "城市"),
        Column("region_code", "地区代码"),
        Column("period", "时期"),
        _number("value", ind.name_zh, ind.unit, decimals=ind.decimals),
        _number("score", "得分", "0–100"),
    )
    return AppTable(
        key="league",
        title=f"13 市排名 · {ind.name_zh}",
        frame=frame,
        columns=columns,
        notes=("位次 1 为 13 市最好（按指标方向）；得分为市间极差标准化（最好者 100）。",),
        stem=_stem("13市排名", ind.name_zh, _ym(as_of)),
        as_of=as_of,
        region="13 个设区市",
        indicators=(code,),
    )


def county_values(warehouse, query: dict) -> AppTable:
    """/city/<code>: the city's counties on the county map's layer (``layer``, else the first
    with data) at ``as_of``, ranked within the city, as the county table lists them."""
    code, name = _city(query)
    as_of = _as_of(warehouse, query)
    names, frame = county_frame(warehouse, code, as_of)
    wanted = query.get("layer") if query.get("layer") in COUNTY_LAYERS else None
    _, layer = county_layers(frame, wanted)
    if layer is None:
        raise ValueError(f"截至 {month_label(as_of)}，{name}所辖县（市、区）尚无县级指标数据")
    ind = default_catalog()[layer]
    rows = county_ranking(frame, layer, ind.polarity)
    period = county_period_label(rows, as_of)
    records = [
        {**r, "county": names[r["region_code"]], "period_zh": period}
        for r in rows.iter_rows(named=True)
    ]
    rank_word = "本市位次" if ind.polarity != "neutral" else "按数值由高到低"
    columns = (
        Column("county", "县（市、区）"),
        Column("region_code", "地区代码"),
        _number("value", ind.name_zh, ind.unit, decimals=ind.decimals),
        Column("rank", rank_word, "integer"),
        Column("period_zh", "时期"),
    )
    missing = len(names) - rows.height
    notes = [f"{rows.height} 个县（市、区）有数据，位次 1 为本市最好（按指标方向）。"]
    if missing > 0:
        notes.append(f"{missing} 个县（市、区）无数据。")
    return AppTable(
        key="county_values",
        title=f"{name}各县（市、区） · {ind.name_zh}",
        frame=_frame(records, columns),
        columns=columns,
        notes=tuple(notes),
        stem=_stem(name, "各县", ind.name_zh, _ym(as_of)),
        as_of=as_of,
        region=f"{name}所辖县（市、区）",
        indicators=(layer,),
        extra=(("时期", period),),
    )
