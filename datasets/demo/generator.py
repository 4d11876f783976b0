"""Synthetic demo data (模拟数据) for the 数据大脑 cockpit.

Everything written here is SYNTHETIC: invented rows, marked ``is_synthetic = true``, produced so
the cockpit has something to show before real data is loaded. The series are anchored to the
facts of 苏政办发〔2021〕61号《江苏省“十四五”数字政府建设规划》: the 2020 baselines of 一(一)
(发展基础) start the province-level series and the 2025 targets of 二(三) (主要目标) are what the
city paths converge toward (see :data:`datasets.demo.tables.ANCHORS`). Economic series are anchored to published
province GDP totals; everything else is made up but plausible.

:func:`generate` writes one Parquet file per dataset of ``schemas.yaml``. It is seeded
(``numpy.random.default_rng``), vectorised and deterministic: the same ``seed`` and ``scale``
give byte-identical files. ``scale`` multiplies item-level volumes (registries, sharing
requests, hotline tickets); aggregated statistics keep their size.

City differences come from :data:`datasets.demo.tables.CITY_PROFILES` (size, economy, digital-government pace).
Planted anomalies, for the cockpit's alerts and for tests to find:

* 连云港 320700 — information-system cloud migration stalls: no 上云 date after 2023-06-30, so
  its 非涉密系统整合上云率 falls far behind the 95% target (``CityProfile.cloud_stall``).
* 徐州 320300 — 12345 hotline surge of 供水供电供气 tickets, 2026-07-01..2026-08-31, ≈4× normal
  volume, with a lower on-time rate (``CityProfile.hotline_surges``).
* 盐城 320900 — a smaller surge of 生态环境 tickets in 2024-06 (≈2.5×, 秸秆焚烧 season).
* 宿迁 321300 and 连云港 320700 lag on 一件事 completion (≈65–72% at the end of 2025) while
  苏州, 南京 and 无锡 pass 80% already in 2024.

Arrival (入库时间, ``recorded_at``): every row also says when it reached the warehouse, so that
"what was known then" (transaction time) differs from "what we know now about then" (event
time); see docs/replays.md and :func:`arrivals`. Registries, evaluations and statistics arrive
with the warehouse's monthly load (the 8th) after they are reported — most within a month or
two, a few much later; the 12345 and data-sharing systems feed it continuously. Planted: part of
南京's 一件事 items listed in 2022 are recorded only in 2024–2026 (a department's late backfill).
Nothing arrives after ``end`` (the files are an extract taken then). Arrivals use their own
random streams, so the data themselves are the same with or without them.
"""

from __future__ import annotations

import calendar
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import yaml

from datasets.demo.tables import (
    ANCHORS,
    APP_KINDS,
    BASELINE_2025,
    BUDGET,
    CITY_PROFILES,
    COVID_MONTHS,
    DAY_SECONDS,
    DEPARTMENTS,
    EPOCH,
    EVAL_CHANNELS,
    GDP,
    GDP_REAL_GROWTH,
    HOTLINE_CATEGORIES,
    HOTLINE_CHANNELS,
    HOTLINE_TICKETS_PER_MONTH,
    HOUR_WEIGHTS,
    KNOTS,
    MONTH_SHARE,
    NETWORK_KINDS,
    PROVINCE_PROFILE,
    REGIONAL_SAMPLES,
    RESOURCES,
    RETAIL,
    SCENARIO_NAMES,
    SECTORS,
    SERVICE_LISTS,
    START,
    SYSTEM_KINDS,
    TRADE,
    YEARS,
    CityProfile,
)
from datasets.regions import PROVINCE_CODE, cities, counties
from datasets.schema import RECORDED_COLUMN, SYNTHETIC_COLUMN, load_schemas


# --------------------------------------------------------------------------- helpers
def _day(d: date) -> int:
    return (d - EPOCH).days


def _logit(p):
    return np.log(p / (1.0 - p))


def _rng(seed: int, name: str) -> np.random.Generator:
    """An independent stream per dataset, so changing one dataset leaves the others unchanged."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _date_series(name: str, days: np.ndarray, end_day: int | None = None) -> pl.Series:
    """Days since 1970 (float; inf/nan = none) as a polars Date column; days after ``end_day``
    become null."""
    days = np.floor(np.asarray(days, dtype=float))
    bad = ~np.isfinite(days)
    if end_day is not None:
        bad |= days > end_day
    values = np.where(bad, np.nan, days)
    return pl.Series(name, values, nan_to_null=True).cast(pl.Int32).cast(pl.Date)


def _uniform_days(rng, n: int, first: date, last: date, a: float = 1.0, b: float = 1.0):
    """n days in ``first..last`` drawn from a Beta(a, b) shape (a > b leans late)."""
    return _day(first) + np.floor(rng.beta(a, b, n) * (_day(last) - _day(first) + 1))


def _stratified_uniform(rng, group: np.ndarray) -> np.ndarray:
    """Uniform draws spread evenly within each group (one per 1/n slice), so that small groups
    still follow their intended shares closely."""
    n = group.shape[0]
    order = np.lexsort((rng.random(n), group))
    sorted_group = group[order]
    starts = np.searchsorted(sorted_group, sorted_group, side="left")
    sizes = np.searchsorted(sorted_group, sorted_group, side="right") - starts
    u = np.empty(n)
    u[order] = (np.arange(n) - starts + rng.random(n)) / sizes
    return u


def _adoption(rng, share_a, share_b, day_a: date, day_b: date, group, cap: float = 0.995):
    """Day (float, inf = never) on which each entity adopts, on a logistic path through
    ``share_a`` at ``day_a`` and ``share_b`` at ``day_b`` (per-entity arrays) saturating at ``cap``.
    Draws are stratified within ``group`` (e.g. the region index).
    """
    share_a = np.clip(np.asarray(share_a, dtype=float), 0.01, cap - 0.02)
    share_b = np.clip(np.asarray(share_b, dtype=float), share_a + 0.01, cap - 0.002)
    la, lb = _logit(share_a / cap), _logit(share_b / cap)
    width = (_day(day_b) - _day(day_a)) / (lb - la)
    mid = _day(day_a) - width * la
    u = _stratified_uniform(rng, np.asarray(group))
    hit = u < cap
    days = np.full(u.shape[0], np.inf)
    days[hit] = mid[hit] + width[hit] * _logit(u[hit] / cap)
    return days


def _not_before(rng, days, floor, gap: tuple[int, int]):
    """Entities that would adopt before ``floor`` adopt a few days after it instead."""
    early = days < floor
    return np.where(early, floor + rng.integers(gap[0], gap[1] + 1, days.shape[0]), days)


def _numbered(name: str, *by: str) -> pl.Expr:
    """``name`` made unique within ``by`` by appending （2）, （3）… to repeats (row order)."""
    k = pl.int_range(pl.len()).over(name, *by)
    return pl.when(k == 0).then(pl.col(name)).otherwise(pl.format("{}（{}）", pl.col(name), k + 1))


def _seq_id(prefix: str, width: int, *parts: str) -> pl.Expr:
    """``prefix-part-…-000123`` numbered in row order within ``parts``."""
    seq = (pl.int_range(pl.len()).over(*parts) + 1) if parts else pl.int_range(1, pl.len() + 1)
    pieces = [pl.col(p) for p in parts] + [seq.cast(pl.String).str.zfill(width)]
    return pl.concat_str([pl.lit(prefix), *pieces], separator="-")


@dataclass(frozen=True)
class _Regions:
    """Province + 13 cities (index 0 = province) with their profiles."""

    codes: list[str]
    names: list[str]
    short: list[str]
    profiles: list[CityProfile]

    @property
    def size(self) -> np.ndarray:
        return np.array([p.size for p in self.profiles])

    def attr(self, name: str, idx: np.ndarray) -> np.ndarray:
        return np.array([getattr(p, name) for p in self.profiles])[idx]

    def departments(self, region_idx: np.ndarray, dept_idx: np.ndarray) -> pl.Series:
        """Department names: 省xx厅 for the province, 苏州市xx局 for a city."""
        city = pl.Series(self.names).gather(region_idx) + pl.Series(
            [d[0] for d in DEPARTMENTS]
        ).gather(dept_idx)
        prov = pl.Series([d[1] for d in DEPARTMENTS]).gather(dept_idx)
        return pl.select(
            pl.when(pl.Series(region_idx == 0)).then(prov).otherwise(city).alias("department")
        ).to_series()


def _regions() -> _Regions:
    cty = cities()
    codes = cty["region_code"].to_list()
    if set(codes) != set(CITY_PROFILES):
        raise RuntimeError("CITY_PROFILES does not match the region table")
    names = cty["name_zh"].to_list()
    return _Regions(
        codes=[PROVINCE_CODE, *codes],
        names=["江苏省", *names],
        short=["省级", *[n.removesuffix("市") for n in names]],
        profiles=[PROVINCE_PROFILE, *(CITY_PROFILES[c] for c in codes)],
    )


def _spread(rng, total: int, weights: np.ndarray) -> np.ndarray:
    """Region index of ``total`` entities spread over regions in proportion to ``weights``."""
    counts = rng.multinomial(total, weights / weights.sum())
    return np.repeat(np.arange(weights.shape[0]), counts)


def _months(end: date, *, partial: bool = False) -> list[tuple[int, int]]:
    """Months 2020-01..``end``: complete months only, or (``partial``) also ``end``'s own month."""
    out, y, m = [], START.year, START.month
    while (date(y, m, 1) if partial else date(y, m, calendar.monthrange(y, m)[1])) <= end:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _conform(frame: pl.DataFrame, dataset: str) -> pl.DataFrame:
    """The schema's columns in order, with their types, plus ``is_synthetic = true``."""
    schema = load_schemas()[dataset]
    types = {
        "integer": pl.Int64,
        "number": pl.Float64,
        "date": pl.Date,
        "boolean": pl.Boolean,
        "timestamp": pl.Datetime("us"),
    }
    arrival = [pl.col(RECORDED_COLUMN)] if RECORDED_COLUMN in frame.columns else []
    return frame.select(
        *[pl.col(c.name).cast(types.get(c.type, pl.String)) for c in schema.columns],
        pl.lit(True).alias(SYNTHETIC_COLUMN),
        *arrival,
    )


def _write(frame: pl.DataFrame, dataset: str, out_dir: Path) -> Path:
    schema = load_schemas()[dataset]
    frame = _conform(frame, dataset).sort(list(schema.key), nulls_last=False, maintain_order=True)
    path = out_dir / f"{dataset}.parquet"
    frame.write_parquet(path, compression="zstd", statistics=True)
    return path


# --------------------------------------------------------------------------- registries
def service_items(rng, regions: _Regions, scale: int, end: date) -> pl.DataFrame:
    """三张清单: 一件事/一类事/一体事 items per city and province department, listed
    2021-03..2024-12, achieved on a per-city logistic path (see ``items_2024/items_2025``)."""
    frames = []
    mean_size = regions.size[1:].mean()
    for list_type, (prefix, per_city, per_prov, offset, depts, bases) in SERVICE_LISTS.items():
        per_region = per_city * (0.75 + 0.25 * regions.size / mean_size)
        per_region[0] = per_prov
        region = np.repeat(np.arange(len(regions.codes)), np.round(per_region * scale).astype(int))
        n = region.shape[0]
        base = rng.integers(0, len(bases), n)
        listed = _uniform_days(rng, n, date(2021, 3, 1), date(2024, 12, 31), 1.1, 1.5)
        jitter = rng.normal(0, 0.015, len(regions.codes))
        s24 = regions.attr("items_2024", region) + offset + jitter[region]
        s25 = regions.attr("items_2025", region) + offset + jitter[region]
        achieved = _adoption(rng, s24, s25, date(2024, 12, 31), date(2025, 12, 31), region, 0.985)
        achieved = _not_before(rng, achieved, listed + 20, (0, 120))
        frames.append(
            pl.DataFrame(
                {
                    "region_code": pl.Series(regions.codes).gather(region),
                    "item_name": pl.Series(regions.short).gather(region)
                    + pl.Series([b[0] for b in bases]).gather(base),
                    "list_type": list_type,
                    "department": regions.departments(
                        region, np.array(depts)[rng.integers(0, len(depts), n)]
                    ),
                    "domain": pl.Series([b[1] for b in bases]).gather(base),
                    "listed_date": _date_series("listed_date", listed),
                    "achieved_date": _date_series("achieved_date", achieved, _day(end)),
                    "_prefix": prefix,
                }
            )
        )
    frame = pl.concat(frames).filter(pl.col("listed_date") <= end)
    frame = frame.sort(["_prefix", "region_code", "listed_date"], maintain_order=True)
    return frame.with_columns(
        _numbered("item_name", "region_code"),
        pl.concat_str(
            pl.col("_prefix"),
            pl.col("region_code"),
            (pl.int_range(pl.len()).over("_prefix", "region_code") + 1)
            .cast(pl.String)
            .str.zfill(5),
            separator="-",
        ).alias("item_id"),
    )


def _registry_regions(rng, regions: _Regions, total: int, province_weight: float) -> np.ndarray:
    weights = regions.size**0.8
    weights[0] = province_weight * weights[1:].mean()
    return _spread(rng, total, weights)


def info_systems(rng, regions: _Regions, scale: int, end: date) -> pl.DataFrame:
    """政务信息系统: ~5% classified; non-classified systems migrate to the 政务云 from ~60% at the
    end of 2020 toward ~95% in 2025. 连云港 stalls after 2023-06-30 (planted anomaly)."""
    region = _registry_regions(rng, regions, 2_000 * scale, 2.5)
    n = region.shape[0]
    classified = rng.random(n) < 0.05
    built = _uniform_days(rng, n, date(2008, 1, 1), date(2024, 12, 31), 1.3, 1.0)
    digital = regions.attr("digital", region)
    s20 = 0.60 + 1.2 * digital
    s25 = ANCHORS["targets_2025"]["system_cloud_rate"] + digital
    cloud = _adoption(rng, s20, s25, date(2020, 12, 31), date(2025, 12, 31), region)
    cloud = _not_before(rng, cloud, np.maximum(built, _day(date(2015, 1, 1))), (15, 200))
    retired = np.where(rng.random(n) < 0.03, built + rng.integers(700, 4_000, n), np.inf)
    cloud = np.where(classified | (cloud > retired), np.inf, cloud)
    for i, profile in enumerate(regions.profiles):
        if profile.cloud_stall is not None:
            cloud = np.where((region == i) & (cloud > _day(profile.cloud_stall)), np.inf, cloud)
    dept = rng.integers(0, len(DEPARTMENTS), n)
    kind = rng.integers(0, len(SYSTEM_KINDS), n)
    frame = pl.DataFrame(
        {
            "region_code": pl.Series(regions.codes).gather(region),
            "department": regions.departments(region, dept),
            "system_name": regions.departments(region, dept) + pl.Series(SYSTEM_KINDS).gather(kind),
            "classified": classified,
            "built_date": _date_series("built_date", built),
            "cloud_date": _date_series("cloud_date", cloud, _day(end)),
            "retired_date": _date_series("retired_date", retired, _day(end)),
        }
    ).filter(pl.col("built_date") <= end)
    frame = frame.sort(["region_code", "built_date"], maintain_order=True)
    return frame.with_columns(
        _numbered("system_name", "region_code"), _seq_id("XT", 6, "region_code").alias("system_id")
    )


def private_networks(rng, regions: _Regions, scale: int, end: date) -> pl.DataFrame:
    """部门业务专网: non-classified networks merge into the 电子政务外网 from ~40% (2020) to ~90%
    (2025)."""
    region = _registry_regions(rng, regions, 400 * scale, 2.0)
    n = region.shape[0]
    classified = rng.random(n) < 0.12
    built = _uniform_days(rng, n, date(2005, 1, 1), date(2022, 12, 31), 1.0, 1.2)
    digital = regions.attr("digital", region)
    s20 = 0.40 + digital
    s25 = ANCHORS["targets_2025"]["private_network_integration_rate"] + digital
    integrated = _adoption(rng, s20, s25, date(2020, 12, 31), date(2025, 12, 31), region)
    integrated = _not_before(rng, integrated, np.maximum(built, _day(date(2017, 1, 1))), (30, 365))
    integrated = np.where(classified, np.inf, integrated)
    dept = rng.integers(0, len(DEPARTMENTS), n)
    kind = rng.integers(0, len(NETWORK_KINDS), n)
    frame = pl.DataFrame(
        {
            "region_code": pl.Series(regions.codes).gather(region),
            "department": regions.departments(region, dept),
            "network_name": regions.departments(region, dept)
            + pl.Series(NETWORK_KINDS).gather(kind),
            "classified": classified,
            "built_date": _date_series("built_date", built),
            "integrated_date": _date_series("integrated_date", integrated, _day(end)),
        }
    ).filter(pl.col("built_date") <= end)
    frame = frame.sort(["region_code", "built_date"], maintain_order=True)
    return frame.with_columns(
        _numbered("network_name", "region_code"),
        _seq_id("ZW", 5, "region_code").alias("network_id"),
    )


def gov_apps(rng, regions: _Regions, scale: int, end: date) -> pl.DataFrame:
    """政务应用 (≈3,100 at scale 1, the 移动服务应用 anchor): launched 2015..2025; 苏服办
    onboarding opens 2021-06 and reaches ~90% by 2025 (lagging cities lower)."""
    region = _registry_regions(rng, regions, 3_100 * scale, 1.5)
    n = region.shape[0]
    types = list(APP_KINDS)
    shares = np.array([APP_KINDS[t][0] for t in types])
    app_type = rng.choice(len(types), n, p=shares / shares.sum())
    launched = _uniform_days(rng, n, date(2015, 1, 1), date(2025, 12, 31), 1.4, 1.0)
    digital = regions.attr("digital", region)
    s21 = 0.15 + digital
    s25 = ANCHORS["targets_2025"]["sufuban_onboarding_rate"] + 1.5 * digital
    onboarded = _adoption(rng, s21, s25, date(2021, 12, 31), date(2025, 12, 31), region)
    onboarded = _not_before(rng, onboarded, np.maximum(launched, _day(date(2021, 6, 1))), (7, 120))
    names = np.concatenate([np.array(APP_KINDS[t][1], dtype=object) for t in types])
    offsets = np.cumsum([0] + [len(APP_KINDS[t][1]) for t in types])
    counts = np.diff(offsets)
    base = offsets[app_type] + np.floor(rng.random(n) * counts[app_type]).astype(int)
    frame = pl.DataFrame(
        {
            "region_code": pl.Series(regions.codes).gather(region),
            "app_name": pl.Series(regions.short).gather(region)
            + pl.Series(names.tolist()).gather(base),
            "department": regions.departments(region, rng.integers(0, len(DEPARTMENTS), n)),
            "app_type": pl.Series(types).gather(app_type),
            "launched_date": _date_series("launched_date", launched),
            "onboarded_date": _date_series("onboarded_date", onboarded, _day(end)),
        }
    ).filter(pl.col("launched_date") <= end)
    frame = frame.sort(["region_code", "launched_date"], maintain_order=True)
    return frame.with_columns(
        _numbered("app_name", "region_code"), _seq_id("YY", 6, "region_code").alias("app_id")
    )


def enforcement_bodies(rng, regions: _Regions, scale: int, end: date) -> pl.DataFrame:
    """行政执法主体: one per sector in every county and city, plus extra 中队 at county level;
    掌上执法 from ~45% (end 2020) to ~95% (2025)."""
    cty = counties()
    region_table = pl.concat([cities(), cty]).select("region_code", "name_zh", "city_code")
    base = region_table.join(pl.DataFrame({"sector": list(SECTORS)}), how="cross")
    n_extra = max(1_100 * scale - base.height, 0)
    county_w = np.array([CITY_PROFILES[c].size for c in cty["city_code"]])
    pick = _spread(rng, n_extra, county_w)
    extra = cty.select("region_code", "name_zh", "city_code")[pick].with_columns(
        sector=pl.Series(list(SECTORS)).gather(rng.integers(0, len(SECTORS), n_extra))
    )
    frame = pl.concat([base.with_columns(extra=False), extra.with_columns(extra=True)])
    n = frame.height
    is_city = (frame["region_code"] == frame["city_code"]).to_numpy()
    established = np.where(
        frame["extra"].to_numpy(),
        _uniform_days(rng, n, date(2015, 1, 1), date(2024, 12, 31)),
        np.where(
            rng.random(n) < 0.4,
            _uniform_days(rng, n, date(2019, 3, 1), date(2020, 6, 30)),
            _uniform_days(rng, n, date(2000, 1, 1), date(2019, 2, 28)),
        ),
    )
    city_idx = np.array([regions.codes.index(c) for c in frame["city_code"]])
    digital = regions.attr("digital", city_idx)
    s20 = 0.45 + 0.8 * digital
    s25 = ANCHORS["targets_2025"]["mobile_enforcement_rate"] + 0.5 * digital
    mobile = _adoption(rng, s20, s25, date(2020, 12, 31), date(2025, 12, 31), city_idx)
    mobile = _not_before(rng, mobile, np.maximum(established, _day(date(2018, 6, 1))), (10, 120))
    unit = frame["sector"].replace_strict(SECTORS)
    unit = pl.select(
        pl.when(pl.Series(is_city)).then(unit.str.replace("大队", "支队")).otherwise(unit)
    ).to_series()
    frame = frame.with_columns(
        body_name=pl.when(pl.col("extra"))
        .then(pl.col("name_zh") + unit + "中队")
        .otherwise(pl.col("name_zh") + unit),
        established_date=_date_series("established_date", established),
        mobile_enabled_date=_date_series("mobile_enabled_date", mobile, _day(end)),
    ).filter(pl.col("established_date") <= end)
    frame = frame.sort(["region_code", "extra", "established_date"], maintain_order=True)
    return frame.with_columns(
        _numbered("body_name", "region_code"), _seq_id("ZF", 5, "region_code").alias("body_id")
    )


def data_sharing_requests(rng, regions: _Regions, scale: int, end: date) -> pl.DataFrame:
    """公共数据共享申请 2020-01..end, growing; 已满足 share of resolved requests rises from ~92%
    (2020) to ~99% (2025); 办理中 (no resolved date) only for the most recent ones."""
    n = 20_000 * scale
    first, last = _day(START), _day(end)
    days = np.arange(first, last + 1)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday -> Monday = 0
    weights = np.where(weekday < 5, 1.0, 0.15) * np.exp(0.22 * (days - first) / 365.25)
    cum = np.concatenate([[0.0], np.cumsum(weights)])
    requested = first + np.searchsorted(cum, rng.random(n) * cum[-1], side="right") - 1
    region = _registry_regions(rng, regions, n, 2.0)
    region = rng.permutation(region)
    req_dept = rng.integers(0, len(DEPARTMENTS), n)
    prov_dept = (req_dept + rng.integers(1, len(DEPARTMENTS), n)) % len(DEPARTMENTS)
    lag = np.ceil(rng.lognormal(1.6, 0.8, n))
    resolved = requested + lag
    open_ = resolved > last
    years = (requested - first) / 365.25
    city_offset = rng.normal(0, 0.004, len(regions.codes))[region]
    p_ok = 0.915 + 0.075 * np.clip(years / 5.9, 0, 1) ** 0.8 + city_offset
    fulfilled = rng.random(n) < np.clip(p_ok, 0.85, 0.997)
    status = np.where(open_, 2, np.where(fulfilled, 0, 1))
    frame = pl.DataFrame(
        {
            "region_code": pl.Series(regions.codes).gather(region),
            "requesting_department": regions.departments(region, req_dept),
            "providing_department": regions.departments(region, prov_dept),
            "resource_name": pl.Series(RESOURCES).gather(rng.integers(0, len(RESOURCES), n)),
            "requested_date": _date_series("requested_date", requested),
            "status": pl.Series(["已满足", "已驳回", "办理中"]).gather(status),
            "resolved_date": _date_series("resolved_date", np.where(open_, np.inf, resolved)),
        }
    )
    frame = frame.sort("requested_date", maintain_order=True)
    year = pl.col("requested_date").dt.year().cast(pl.String)
    seq = (pl.int_range(pl.len()).over(year) + 1).cast(pl.String).str.zfill(7)
    return frame.with_columns(pl.concat_str(pl.lit("GX"), year, seq).alias("request_id"))


def scenarios(rng, regions: _Regions, end: date) -> pl.DataFrame:
    """典型场景 (100 by the end of 2025, a few more in 2026) and 区域合作样板 (10 by 2025, one more
    in 2026), recognised in half-yearly batches. Not scaled."""
    batches = [  # (date, typical scenarios, regional samples)
        (date(2021, 6, 28), 8, 0),
        (date(2021, 12, 20), 10, 0),
        (date(2022, 6, 27), 12, 2),
        (date(2022, 12, 26), 12, 0),
        (date(2023, 6, 26), 13, 2),
        (date(2023, 12, 25), 13, 2),
        (date(2024, 6, 24), 12, 0),
        (date(2024, 12, 23), 10, 2),
        (date(2025, 6, 30), 6, 1),
        (date(2025, 12, 22), 4, 1),
        (date(2026, 6, 29), 5, 0),
        (date(2026, 9, 28), 3, 1),
    ]
    when = np.repeat([_day(b[0]) for b in batches], [b[1] for b in batches])
    n = when.shape[0]
    domains = list(SCENARIO_NAMES)
    weights = regions.size.copy()
    weights[0] = 0.8 * weights[1:].mean()
    region = rng.permutation(_spread(rng, n, weights))
    domain = rng.integers(0, len(domains), n)
    which = rng.integers(0, 4, n)
    names = [SCENARIO_NAMES[domains[d]][k] for d, k in zip(domain, which, strict=True)]
    typical = pl.DataFrame(
        {
            "scenario_name": pl.Series(regions.short).gather(region) + pl.Series(names),
            "kind": "典型场景",
            "region_code": pl.Series(regions.codes).gather(region),
            "domain": pl.Series(domains).gather(domain),
            "recognised_date": _date_series("recognised_date", when),
            "_prefix": "DX",
        }
    )
    sample_days = np.repeat([_day(b[0]) for b in batches], [b[2] for b in batches])
    samples = pl.DataFrame(
        {
            "scenario_name": [s[0] for s in REGIONAL_SAMPLES],
            "kind": "区域合作样板",
            "region_code": [s[1] for s in REGIONAL_SAMPLES],
            "domain": [s[2] for s in REGIONAL_SAMPLES],
            "recognised_date": _date_series("recognised_date", sample_days),
            "_prefix": "HZ",
        }
    )
    frame = pl.concat([typical, samples]).filter(pl.col("recognised_date") <= end)
    return frame.with_columns(
        _numbered("scenario_name", "kind"),
        pl.concat_str(
            pl.col("_prefix"),
            (pl.int_range(pl.len()).over("_prefix") + 1).cast(pl.String).str.zfill(3),
        ).alias("scenario_id"),
    )


# --------------------------------------------------------------------------- volumes
def service_evaluations(rng, regions: _Regions, end: date) -> pl.DataFrame:
    """好差评: 13 cities × 5 channels × complete months; volumes follow city size and grow;
    好评率 ≈ 99.5–99.9%, 差评 almost all rectified."""
    months = _months(end)
    year = np.array([m[0] for m in months])
    month = np.array([m[1] for m in months])
    t = (year - 2020) + (month - 1) / 12
    channels = list(EVAL_CHANNELS)
    n_c, n_ch, n_m = len(regions.codes) - 1, len(channels), len(months)
    share = np.array(
        [[a + (b - a) * np.clip(ti / 6.5, 0, 1) for ti in t] for a, b in EVAL_CHANNELS.values()]
    )  # channel × month
    season = np.where(month == 2, 0.7, 1.0) * np.where(month == 1, 0.9, 1.0)
    volume = (
        regions.size[1:, None, None]
        * 52_000
        * share[None, :, :]
        * (np.exp(0.12 * t) * season)[None, None, :]
        * rng.lognormal(0, 0.06, (n_c, n_ch, n_m))
    )
    evaluations = rng.poisson(volume)
    quality = rng.normal(0, 0.0005, n_c)[:, None, None]
    p_neg = np.clip(0.0032 - 0.00032 * t[None, None, :] + quality, 0.0005, 0.006)
    negative = rng.binomial(evaluations, np.broadcast_to(p_neg, evaluations.shape))
    neutral = rng.binomial(evaluations - negative, 0.0006)
    rectified = rng.binomial(negative, rng.uniform(0.95, 1.0, evaluations.shape))
    c_idx, ch_idx, m_idx = (a.ravel() for a in np.indices(evaluations.shape))
    return pl.DataFrame(
        {
            "region_code": pl.Series(regions.codes[1:]).gather(c_idx),
            "year": year[m_idx],
            "month": month[m_idx],
            "channel": pl.Series(channels).gather(ch_idx),
            "evaluations": evaluations.ravel(),
            "positive": (evaluations - negative - neutral).ravel(),
            "negative": negative.ravel(),
            "negative_rectified": rectified.ravel(),
        }
    )


def _hotline_setup(rng, end: date):
    """County weights and the expected tickets per (month, county, category) at scale 1."""
    cty = counties()
    city_of = cty["city_code"].to_list()
    county_w = np.empty(cty.height)
    for code in CITY_PROFILES:
        idx = np.array([i for i, c in enumerate(city_of) if c == code])
        county_w[idx] = CITY_PROFILES[code].size * rng.dirichlet(np.full(idx.shape[0], 4.0))
    county_w /= county_w.sum()
    cats = list(HOTLINE_CATEGORIES)
    cat_share = np.array(list(HOTLINE_CATEGORIES.values()))
    months = _months(end, partial=True)
    mon = np.array([mm for _, mm in months])
    t = np.array([(yy - 2020) + (mm - 1) / 12 for yy, mm in months])
    season = np.ones((len(months), len(cats)))
    season[:, cats.index("供水供电供气")] = 1 + 0.35 * np.cos(2 * np.pi * (mon - 7.5) / 6)
    season[:, cats.index("教育")] = 1 + 0.25 * np.cos(2 * np.pi * (mon - 9) / 6)
    season[:, cats.index("生态环境")] = 1 + 0.2 * np.cos(2 * np.pi * (mon - 7) / 12)
    season[:, cats.index("交通出行")] = 1 + 0.15 * np.cos(2 * np.pi * (mon - 2) / 12)
    covid = [(2020, 2, 2.2), (2020, 3, 1.6), (2022, 4, 1.5), (2022, 12, 2.0), (2023, 1, 1.6)]
    for yy, mm, f in covid:
        if (yy, mm) in months:
            season[months.index((yy, mm)), cats.index("卫生健康")] *= f
    per_month = HOTLINE_TICKETS_PER_MONTH * np.exp(0.085 * t) * np.where(mon == 2, 0.85, 1.0)
    lam = (
        per_month[:, None, None]
        * county_w[None, :, None]
        * (cat_share[None, None, :] * season[:, None, :])
    )
    surge = np.zeros(lam.shape, dtype=bool)
    for code, profile in CITY_PROFILES.items():
        in_city = np.array([c == code for c in city_of])
        for s in profile.hotline_surges:
            for i, (yy, mm) in enumerate(months):
                if s.start <= date(yy, mm, 1) <= s.stop:
                    lam[i, in_city, cats.index(s.category)] *= s.factor
                    surge[i, in_city, cats.index(s.category)] = True
    # The last month may be partial.
    last_y, last_m = months[-1]
    lam[-1] *= end.day / calendar.monthrange(last_y, last_m)[1]
    return cty, cats, months, lam, surge


def _hotline_chunks(rng, scale: int, end: date):
    """Yield one frame of 12345 tickets per year (keeps memory bounded at large scales)."""
    cty, cats, months, lam, surge = _hotline_setup(rng, end)
    city_of = np.array([list(CITY_PROFILES).index(c) for c in cty["city_code"]])
    ontime_city = rng.normal(0, 0.008, len(CITY_PROFILES))
    first, last = _day(START), _day(end)
    days = np.arange(first, last + 1)
    weights = np.where((days + 3) % 7 < 5, 1.0, 0.55)
    cum = np.concatenate([[0.0], np.cumsum(weights)])
    end_second = (last + 1) * DAY_SECONDS - 1
    channel_p = {  # year -> 电话, 网站, 微信, 苏服办, 其他
        2020: [0.70, 0.09, 0.13, 0.03, 0.05],
        2021: [0.66, 0.08, 0.14, 0.07, 0.05],
        2022: [0.62, 0.08, 0.15, 0.10, 0.05],
        2023: [0.59, 0.07, 0.15, 0.14, 0.05],
        2024: [0.56, 0.07, 0.15, 0.17, 0.05],
        2025: [0.54, 0.06, 0.15, 0.20, 0.05],
    }
    cell_shape = lam.shape[1:]
    for year in sorted({y for y, _ in months}):
        idx = [i for i, (y, _) in enumerate(months) if y == year]
        counts = rng.poisson(lam[idx] * scale)
        cell = np.repeat(np.arange(counts.size), counts.ravel())
        n = cell.shape[0]
        mi, rest = np.divmod(cell, cell_shape[0] * cell_shape[1])
        county, cat = np.divmod(rest, cell_shape[1])
        in_surge = surge[idx].ravel()[cell]
        # Day (weekday-weighted) within the month, then a working-hour weighted time of day.
        m_first = np.array([_day(date(year, months[i][1], 1)) for i in idx])
        m_last = [date(year, months[i][1], calendar.monthrange(year, months[i][1])[1]) for i in idx]
        m_stop = np.minimum([_day(d) for d in m_last], last) + 1
        lo, hi = cum[m_first[mi] - first], cum[m_stop[mi] - first]
        day = first + np.searchsorted(cum, lo + rng.random(n) * (hi - lo), side="right") - 1
        hour = rng.choice(24, n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        created = day * DAY_SECONDS + hour * 3_600 + rng.integers(0, 3_600, n)
        order = np.argsort(created, kind="stable")
        created, county, cat, in_surge = created[order], county[order], cat[order], in_surge[order]
        limit_h = np.array([72, 120, 240])[rng.choice(3, n, p=[0.35, 0.45, 0.20])]
        due = created + limit_h * 3_600
        p_ontime = 0.93 + 0.035 * min(year - 2020, 5) / 5 + ontime_city[city_of[county]]
        p_ontime = np.where(in_surge, p_ontime - 0.15, p_ontime)
        ontime = rng.random(n) < np.clip(p_ontime, 0.6, 0.99)
        duration = np.where(
            ontime,
            np.maximum(limit_h * 3_600 * rng.beta(1.6, 2.6, n), 600),
            limit_h * 3_600 + rng.exponential(36 * 3_600, n) + 60,
        ).astype(np.int64)
        closed = created + duration
        is_open = closed > end_second
        late = ~ontime
        rated = ~is_open & (rng.random(n) < 0.70)
        u = rng.random(n)
        p_bad = np.where(late, 0.20, 0.07 - 0.006 * min(year - 2020, 5))
        sat = np.where(~rated, 3, np.where(u < p_bad, 2, np.where(u < p_bad + 0.15, 1, 0)))
        cp = np.cumsum(channel_p[min(year, 2025)])
        channel = (rng.random(n)[:, None] > cp[None, :-1]).sum(axis=1)
        us = 1_000_000
        serial = pl.int_range(1, n + 1, eager=True)
        frame = pl.DataFrame(
            {
                "ticket_id": pl.select(
                    pl.concat_str(pl.lit(f"RX{year}"), serial.cast(pl.String).str.zfill(9))
                ).to_series(),
                "region_code": cty["region_code"].gather(county),
                "category": pl.Series(cats).gather(cat),
                "channel": pl.Series(HOTLINE_CHANNELS).gather(channel),
                "created_at": pl.Series(created * us).cast(pl.Datetime("us")),
                "due_at": pl.Series(due * us).cast(pl.Datetime("us")),
                "closed_at": pl.Series(np.where(is_open, np.nan, closed * 1e6), nan_to_null=True)
                .cast(pl.Int64)
                .cast(pl.Datetime("us")),
                "satisfaction": pl.Series(["满意", "基本满意", "不满意", None]).gather(sat),
            }
        )
        yield _conform(frame, "hotline_tickets")


def hotline_tickets(
    rng, scale: int, end: date, out_dir: Path, *, arrival_rng: np.random.Generator | None = None
) -> Path:
    """12345 工单 at county level (≥100k at scale 1): category shares with seasonality, growth
    ~9%/year, working-hour timestamps, 3/5/10 working-day limits, on-time ~93–97%; planted
    surges from :data:`CITY_PROFILES`. Written year by year into one Parquet file, with each
    ticket's arrival when ``arrival_rng`` is given."""
    path = out_dir / "hotline_tickets.parquet"
    writer = None
    try:
        for frame in _hotline_chunks(rng, scale, end):
            if arrival_rng is not None:
                frame = frame.with_columns(arrivals(arrival_rng, "hotline_tickets", frame, end))
            table = frame.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=1_000_000)
    finally:
        if writer is not None:
            writer.close()
    return path


# --------------------------------------------------------------------------- statistics
def _knot_curve(knots: dict[int, list[tuple[int, float]]]) -> np.ndarray:
    """year × month matrix (2019..2026) interpolated from knots (2019 row = 2020's)."""
    out = np.zeros((len(YEARS), 12))
    for i, y in enumerate(YEARS):
        pts = knots.get(y, knots[min(knots)])
        out[i] = np.interp(np.arange(1, 13), [p[0] for p in pts], [p[1] for p in pts])
    return out


def _monthly_totals(rng, kind: str, annual: dict[int, float]) -> np.ndarray:
    """year × month province values whose year sums are the annual totals."""
    out = np.zeros((len(YEARS), 12))
    for i, y in enumerate(YEARS):
        covid = [COVID_MONTHS[kind].get((y, m), 1.0) for m in range(1, 13)]
        share = np.array(MONTH_SHARE[kind]) * covid * rng.normal(1, 0.015, 12)
        out[i] = annual[y] * share / share.sum()
    return out


class _Long:
    """Collects long-form statistics rows (region × year × month × indicator)."""

    def __init__(self, names: dict[str, str], source: str):
        self.parts: list[pl.DataFrame] = []
        self.names, self.source = names, source

    def add(self, code: str, indicator: str, unit: str, year, month, value, digits: int = 2):
        year = np.atleast_1d(year)
        month = np.broadcast_to(np.atleast_1d(np.asarray(month, dtype=float)), year.shape)
        self.parts.append(
            pl.DataFrame(
                {
                    "region_code": code,
                    "region_name": self.names[code],
                    "year": year.astype(np.int64),
                    "month": pl.Series(month, nan_to_null=True).cast(pl.Int64),
                    "day": pl.Series([None] * year.shape[0], dtype=pl.Int64),
                    "indicator": indicator,
                    "value": np.round(
                        np.broadcast_to(np.asarray(value, float), year.shape), digits
                    ),
                    "unit": unit,
                    "source": self.source,
                }
            )
        )

    def frame(self) -> pl.DataFrame:
        return pl.concat(self.parts)


def economic_stats(rng, regions: _Regions, end: date, source: str) -> pl.DataFrame:
    """经济运行 long form for the province and 13 cities, 2020..end: GDP (annual and quarterly
    ytd) with real growth, industry, investment, retail, budget revenue, CPI, trade and the
    province's surveyed unemployment. 2020 shows the COVID dip and recovery."""
    out = _Long(dict(zip(regions.codes, regions.names, strict=True)), source)
    months = _months(end)
    avail = np.zeros((len(YEARS), 12), dtype=bool)
    for y, m in months:
        avail[YEARS.index(y), m - 1] = True
    yy, mm = np.meshgrid(YEARS, np.arange(1, 13), indexing="ij")
    n_city = len(regions.codes) - 1
    gdp25 = np.array([p.gdp_2025 for p in regions.profiles[1:]])
    drift = rng.normal(0, 0.012, n_city)
    prov_gdp = np.array([GDP[y] for y in YEARS])
    city_gdp = (
        gdp25[:, None]
        * (prov_gdp / GDP[2025])[None, :]
        * np.exp(drift[:, None] * (np.array(YEARS) - 2025)[None, :])
    )
    gdp = np.vstack([prov_gdp, city_gdp])  # region × year
    q_share = {2020: (0.212, 0.468, 0.728, 1.0)}
    weight = gdp[:, YEARS.index(2025)] / gdp[1:, YEARS.index(2025)].sum()
    weight[0] = 1.0
    openness = np.array([1.0] + [p.openness for p in regions.profiles[1:]])
    trade_w = weight * openness
    trade_w[1:] /= trade_w[1:].sum()
    monthly = {
        k: _monthly_totals(rng, k, a)
        for k, a in (("retail", RETAIL), ("budget", BUDGET), ("trade", TRADE))
    }
    curves = {k: _knot_curve(v) for k, v in KNOTS.items()}
    for r, code in enumerate(regions.codes):
        is_prov = r == 0
        noise = 0.0 if is_prov else 1.0
        # GDP: annual and quarterly ytd, with real growth.
        for i, y in enumerate(YEARS[1:], start=1):
            if avail[i, 11]:
                out.add(code, "gdp", "亿元", y, np.nan, gdp[r, i], 1)
            shares = q_share.get(y, (0.232, 0.483, 0.735, 1.0))
            offset = noise * rng.normal(0, 0.7)
            for q, share in enumerate(shares):
                if avail[i, 3 * q + 2]:
                    jitter = 1 + noise * rng.normal(0, 0.004) if q < 3 else 1.0
                    out.add(code, "gdp_ytd", "亿元", y, 3 * q + 3, gdp[r, i] * share * jitter, 1)
                    growth = GDP_REAL_GROWTH[y][q] + offset + noise * rng.normal(0, 0.25)
                    out.add(code, "gdp_ytd_real_growth", "%", y, 3 * q + 3, growth, 1)
        # Growth curves (province + city noise), months 2..12 for industry and investment.
        for ind in ("industrial_va_ytd_growth", "fixed_asset_investment_ytd_growth"):
            values = curves[ind] + noise * (
                rng.normal(0, 1.5, (len(YEARS), 1)) + rng.normal(0, 0.4, (len(YEARS), 12))
            )
            mask = avail & (mm >= 2)
            out.add(code, ind, "%", yy[mask], mm[mask], values[mask], 1)
        cpi = curves["cpi_yoy"] + noise * rng.normal(0, 0.25, (len(YEARS), 12))
        out.add(code, "cpi_yoy", "上年同月=100", yy[avail], mm[avail], cpi[avail], 1)
        if is_prov:
            unemp = curves["unemployment_rate_urban_surveyed"]
            out.add(
                code, "unemployment_rate_urban_surveyed", "%", yy[avail], mm[avail], unemp[avail], 1
            )
        # Monthly totals: city share × province, with mild drift; ytd growth from the data.
        for kind, w in (
            ("retail", weight[r]),
            ("budget", weight[r] ** 0.95),
            ("trade", trade_w[r]),
        ):
            drift_k = 1 + noise * rng.normal(0, 0.01) * (yy - 2023)
            values = monthly[kind] * w * drift_k * (1 + noise * rng.normal(0, 0.02, yy.shape))
            ytd = np.cumsum(values, axis=1)
            growth = np.full(ytd.shape, np.nan)
            growth[1:] = (ytd[1:] / ytd[:-1] - 1) * 100
            if kind == "retail":
                out.add(code, "retail_sales_month", "亿元", yy[avail], mm[avail], values[avail], 1)
                out.add(
                    code, "retail_sales_ytd_growth", "%", yy[avail], mm[avail], growth[avail], 1
                )
            elif kind == "budget":
                out.add(code, "budget_revenue_ytd", "亿元", yy[avail], mm[avail], ytd[avail], 1)
                out.add(
                    code, "budget_revenue_ytd_growth", "%", yy[avail], mm[avail], growth[avail], 1
                )
            else:
                out.add(code, "trade_total_ytd", "亿元", yy[avail], mm[avail], ytd[avail], 1)
    return out.frame()


def governance_stats(rng, regions: _Regions, end: date, source: str) -> pl.DataFrame:
    """社会治理与数字政府 long form: monthly per-city PM2.5, AQI good-day ratio, safety incidents
    and deaths, grid events; annual province series starting at the plan's 2020 baselines; the
    core statistics of the plan's chapters 四–六 and 八(三) (:func:`_chapter_stats`)."""
    out = _Long(dict(zip(regions.codes, regions.names, strict=True)), source)
    months = _months(end)
    year = np.array([m[0] for m in months])
    month = np.array([m[1] for m in months])
    t = (year - 2020) + (month - 1) / 12
    decline = np.interp(t, np.arange(7) + 0.5, [1.0, 0.92, 0.88, 0.86, 0.80, 0.76, 0.74])
    season = 1 + 0.42 * np.cos(2 * np.pi * (month - 1) / 12)
    for r, code in enumerate(regions.codes[1:], start=1):
        p = regions.profiles[r]
        pm = p.pm25_2020 * decline * season * rng.lognormal(0, 0.08, t.shape)
        out.add(code, "pm25_monthly_mean", "μg/m3", year, month, pm, 1)
        good = np.clip(100 - 1.25 * (pm - 12) + rng.normal(0, 3, t.shape), 25, 100)
        out.add(code, "aqi_good_days_ratio", "%", year, month, good, 1)
        incidents = rng.poisson(p.size * 3.2 * 0.9**t * np.where(month == 2, 0.7, 1.0))
        out.add(code, "safety_incidents", "起", year, month, incidents, 0)
        out.add(code, "safety_deaths", "人", year, month, rng.poisson(incidents * 0.45), 0)
        reported = rng.poisson(p.size * 28_000 * 1.06**t * rng.lognormal(0, 0.05, t.shape))
        resolved = np.floor(reported * rng.uniform(0.965, 0.995, t.shape))
        out.add(code, "grid_events_reported", "件", year, month, reported, 0)
        out.add(code, "grid_events_resolved", "件", year, month, resolved, 0)
    years = [y for y in range(2020, end.year + 1) if date(y, 12, 31) <= end]
    for indicator, (base, unit) in ANCHORS["baselines_2020"].items():
        target = BASELINE_2025[indicator]
        x = np.clip((np.array(years) - 2020) / 5, 0, None)
        values = base + (target - base) * x**0.85
        values = np.where(x > 1, target * 1.03 ** ((x - 1) * 5), values)
        digits = 1 if unit in ("万人", "万张") else 0
        out.add(PROVINCE_CODE, indicator, unit, np.array(years), np.nan, values, digits)
    _chapter_stats(rng, regions, out, year, month)
    return out.frame()


def _ease(t, t0: float, a: float, b: float, pace=0.0) -> np.ndarray:
    """A path from ``a`` at ``t0`` to ``b`` at t = 6 (the end of 2025), ``t`` in years since
    2020-01: fast at first, levelling off towards 2025 (1 − (1 − x)^1.6), then moving on at a
    twentieth of the whole change per plan length. ``pace``: years ahead (+) or behind (−)."""
    x = np.clip((t - t0 + pace) / (6.0 - t0), 0.0, None)
    s = np.where(x <= 1, 1 - (1 - np.minimum(x, 1)) ** 1.6, 1 + 0.05 * (x - 1))
    return a + (b - a) * s


class _Chapters:
    """Monthly per-city series for the plan's chapters 四–六 and 八(三) (see
    :func:`_chapter_stats`), drawn from one random stream in a fixed order. Volumes scale with
    the city's residents (``per_million``: per million residents); a city's ``digital`` profile
    puts it ahead of or behind the common path (25 years per unit: 南京 half a year ahead,
    连云港 a year and a quarter behind). ``since``: first month, in years from 2020-01."""

    def __init__(self, rng, regions: _Regions, out: _Long, year, month):
        self.rng, self.out, self.regions = rng, out, regions
        self.year, self.month = year, month
        self.t = (year - 2020) + (month - 1) / 12
        self.size = regions.size[1:]
        self.pace = 25 * np.array([p.digital for p in regions.profiles[1:]])
        self.province_pace = 25 * regions.profiles[0].digital
        self.season = np.where(month == 2, 0.72, 1.0) * np.where(month == 12, 1.08, 1.0)

    def emit(self, r: int, code: str, unit: str, values, *, since: float, digits: int) -> None:
        """Rows of region ``r`` (0 = province) from month ``since`` on."""
        keep = self.t >= since
        year, month = self.year[keep], self.month[keep]
        self.out.add(self.regions.codes[r], code, unit, year, month, values[keep], digits)

    def share(self, codes, unit, *, per_million, growth, path, since=0.0) -> None:
        """Cases of a month (the denominator: Poisson, growing by ``growth`` a year) and those
        meeting the standard (the numerator: binomial on a share moving along ``path``); the
        province is the sum of the cities."""
        numerator, denominator = codes
        for c in range(self.size.shape[0]):
            mean = self.size[c] * per_million * growth**self.t * self.season
            den = self.rng.poisson(mean * self.rng.lognormal(0, 0.05, self.t.shape))
            p = np.clip(_ease(self.t, since, *path, self.pace[c]), 0, 0.995)
            p = np.clip(p + self.rng.normal(0, 0.008, self.t.shape), 0, 1)
            self.emit(c + 1, denominator, unit, den, since=since, digits=0)
            self.emit(c + 1, numerator, unit, self.rng.binomial(den, p), since=since, digits=0)

    def coverage(self, code, *, per_million, path, own, since=0.0, growth=0.04) -> list:
        """A coverage rate (%) at each month end: units (systems, nodes, people; growing by
        ``growth`` a year) of which a never-falling share along ``path`` is covered. Cities and
        the province are both reported; the province's rate is over the cities' units and its
        own departments' (``own`` times the cities'). Returns each city's covered units."""
        covered, units = [], 0.0
        for c in range(self.size.shape[0]):
            den = np.round(self.size[c] * per_million * (1 + growth * self.t))
            offset = self.rng.normal(0, 0.015)
            p = np.clip(_ease(self.t, since, *path, self.pace[c]) + offset, 0.0, 0.995)
            num = np.floor(den * np.maximum.accumulate(p))
            self.emit(c + 1, code, "%", 100 * num / den, since=since, digits=1)
            covered.append(num)
            units = units + den
        own_den = np.round(units * own)
        own_p = np.clip(_ease(self.t, since, *path, self.province_pace), 0.0, 0.995)
        rate = 100 * (sum(covered) + np.floor(own_den * own_p)) / (units + own_den)
        self.emit(0, code, "%", rate, since=since, digits=1)
        return covered

    def total(self, code, unit, *, per_million, path, since=0.0, own=0.0, digits=0) -> None:
        """A running total at each month end, ``per_million`` × a path (``path``), never
        falling; with ``own`` > 0 the province is also reported: the cities' sum and its own
        departments' (up to ``own`` times the cities')."""
        cities_sum = 0.0
        for c in range(self.size.shape[0]):
            level = self.size[c] * per_million * _ease(self.t, since, *path, self.pace[c])
            level = np.maximum.accumulate(level * self.rng.lognormal(0, 0.015, self.t.shape))
            level = np.round(level, digits)
            self.emit(c + 1, code, unit, level, since=since, digits=digits)
            cities_sum = cities_sum + level
        if own:
            province = cities_sum * (1 + own * _ease(self.t, since, 0.8, 1.0, self.province_pace))
            self.emit(0, code, unit, province, since=since, digits=digits)

    def flow(self, code, unit, *, per_million, growth, since=0.0, own=0.0, digits=0) -> None:
        """A month's volume, growing by ``growth`` a year; with ``own`` > 0 the province is
        also reported (the cities' sum and about ``own`` times it for its own departments)."""
        cities_sum = 0.0
        for c in range(self.size.shape[0]):
            mean = self.size[c] * per_million * growth ** (self.t + self.pace[c] / 4)
            value = mean * self.season * self.rng.lognormal(0, 0.06, self.t.shape)
            value = self.rng.poisson(value) if digits == 0 else np.round(value, digits)
            self.emit(c + 1, code, unit, value, since=since, digits=digits)
            cities_sum = cities_sum + value
        if own:
            province = cities_sum * (1 + own * self.rng.lognormal(0, 0.05, self.t.shape))
            self.emit(0, code, unit, province, since=since, digits=digits)

    def level(self, code, unit, *, path, per_million=None, since=0.0, digits=2) -> None:
        """A level per city moving along ``path`` — as it is (an average duration) or, with
        ``per_million``, per million residents (the month's active users)."""
        for c in range(self.size.shape[0]):
            value = _ease(self.t, since, *path, self.pace[c])
            if per_million is not None:
                value = value * self.size[c] * per_million
            value = value * self.rng.lognormal(0, 0.04, self.t.shape)
            self.emit(c + 1, code, unit, value, since=since, digits=digits)


def _chapter_stats(rng, regions: _Regions, out: _Long, year, month) -> None:
    """Core indicators of the plan's chapters 四–六 and 八(三), monthly per city from 2020 (or
    from when the platform or mechanism starts): 全程网办, 企业开办, 免申即享, 政务协同平台,
    互联网＋督查, 医保电子凭证, 公共数据开放与授权运营, 数据回流与异议, 1＋13＋N 分中心, 物联感知,
    IPv6, 灾备, 电子证照/印章/统一支付, 等保, 密评, 安全事件与安全检查.

    The plan gives no baseline for any of them (一(一)1 names 电子证照, 电子印章 and 电子支付 as
    deployed, without figures): every level here is SIMULATED — plausible orders of magnitude
    moving the way the plan asks. Paths run from their 2020 (or first) value to the end of 2025.
    """
    ch = _Chapters(rng, regions, out, year, month)
    # 四(一) 统一受理: the month's cases and those handled fully online
    cases = ("gov_service_cases_online", "gov_service_cases")
    ch.share(cases, "件", per_million=8_000, growth=1.04, path=(0.62, 0.91))
    # 五(一)1 企业开办: enterprises set up, those set up fully online, the average working days
    startups = ("business_startups_online", "business_startups")
    ch.share(startups, "户", per_million=540, growth=1.03, path=(0.55, 0.96))
    ch.level("business_startup_days", "个工作日", path=(2.6, 0.9))
    # 五(一)1 苏企通 (from 2021-07): benefits paid, those paid without application (免申即享)
    benefits = ("policy_benefits_no_application", "policy_benefits_delivered")
    ch.share(benefits, "笔", per_million=300, growth=1.15, path=(0.02, 0.55), since=1.5)
    # 五(一)3 政务协同平台 (from 2021-10): monthly active users; office systems integrated
    ch.level("cowork_platform_users", "万人", path=(0.05, 0.85), per_million=0.55, since=1.75)
    ch.coverage("cowork_integration_rate", per_million=30, path=(0.05, 0.92), own=0.6, since=1.75)
    # 五(一)3 互联网＋督查 (from 2021-04): items due and those closed on time
    items = ("supervision_items_on_time", "supervision_items_due")
    ch.share(items, "项", per_million=12, growth=1.05, path=(0.80, 0.96), since=1.25)
    # 五(二) 数字医保: the insured (95 万 per million residents) with an activated e-voucher
    users = ch.coverage(
        "e_medical_voucher_rate", per_million=95, path=(0.18, 0.80), own=0.0, growth=0.004
    )
    for c, activated in enumerate(users):
        ch.emit(c + 1, "e_medical_voucher_users", "万人", activated, since=0, digits=0)
    # 五(三) 公共数据开放; 授权运营 (from 2022-07)
    ch.total("public_data_open_datasets", "个", per_million=40, path=(1.0, 4.0), own=0.4)
    ch.flow("public_data_api_calls", "万次", per_million=3.0, growth=1.45, own=0.5, digits=1)
    ch.total(
        "public_data_authorised_scenarios", "个", per_million=1.2, path=(0, 1), own=0.3, since=2.5
    )
    # 六(三) 属地回流; 数据异议 (统一受理通道 from 2021-07)
    ch.flow("data_backflow_records", "万条", per_million=120, growth=1.25, digits=1)
    objections = ("data_objections_on_time", "data_objections")
    ch.share(objections, "件", per_million=25, growth=1.02, path=(0.78, 0.97), since=1.5)
    # 六 1＋13＋N: the city's 分中心, 1 from the month it is built
    built = 2.3 - ch.pace + ch.rng.uniform(-0.4, 0.4, ch.size.shape[0])
    for c in range(ch.size.shape[0]):
        branch = (ch.t >= built[c]).astype(float)
        ch.emit(c + 1, "data_centre_city_branches", "个", branch, since=0, digits=0)
    # 六(一) devices on the 社会治理物联网管理平台 (from 2021-06)
    ch.total("iot_devices_connected", "万个", per_million=1.2, path=(0.05, 1), since=1.42, digits=2)
    # 六(二) IPv6 on the 电子政务外网; 灾备 of important systems on the 政务云
    ch.coverage("network_ipv6_rate", per_million=380, path=(0.15, 0.95), own=0.1)
    ch.coverage("cloud_disaster_recovery_rate", per_million=25, path=(0.30, 0.90), own=0.4)
    # 六(四) 电子证照 issued and used, 电子印章, 统一公共支付
    ch.total("e_licences_issued", "万张", per_million=150, path=(1, 2.6), own=0.6, digits=1)
    ch.flow("e_licence_uses", "万次", per_million=8.0, growth=1.35, own=0.4, digits=1)
    ch.total("e_seals_issued", "万枚", per_million=1.5, path=(1, 4), digits=2)
    ch.flow("e_payment_transactions", "万笔", per_million=3.0, growth=1.2, digits=2)
    # 八(三) 等保测评; 密评 (from 2020-07); incidents handled in time; check findings rectified
    ch.coverage("security_level_protection_rate", per_million=30, path=(0.72, 0.98), own=0.5)
    ch.coverage(
        "security_crypto_assessment_rate", per_million=30, path=(0.03, 0.80), own=0.5, since=0.5
    )
    incidents = ("security_incidents_on_time", "security_incidents")
    ch.share(incidents, "起", per_million=6, growth=1.1, path=(0.85, 0.98))
    findings = ("security_check_issues_rectified", "security_check_issues")
    ch.share(findings, "个", per_million=10, growth=0.97, path=(0.80, 0.97))


# --------------------------------------------------------------------------- arrival
LOAD_DAY = 8  # the warehouse's monthly load: the 8th, at 02:00
LATE_BACKFILL = ("320100", "一件事", date(2022, 1, 1), date(2022, 12, 31), 0.3)
LATE_BACKFILL_WINDOW = (date(2024, 3, 1), date(2026, 6, 30))


def _reporting_delay(rng, n: int) -> np.ndarray:
    """Days from an event until it is reported: mostly days, some a month or three, ~4% far
    later (half a year to two and a half years)."""
    u = rng.random(n)
    return np.where(
        u < 0.81,
        rng.exponential(9.0, n),
        np.where(u < 0.96, rng.uniform(30, 95, n), rng.uniform(180, 900, n)),
    )


def _next_load(days: np.ndarray) -> np.ndarray:
    """Second of the first monthly load on or after each day (days since 1970, float)."""
    dates = pl.Series(np.floor(days).astype(np.int64)).cast(pl.Int32).cast(pl.Date)
    this_month = dates.dt.truncate("1mo").dt.offset_by(f"{LOAD_DAY - 1}d")
    load = pl.select(
        pl.when(dates <= this_month).then(this_month).otherwise(this_month.dt.offset_by("1mo"))
    ).to_series()
    return load.cast(pl.Int32).to_numpy().astype(np.int64) * DAY_SECONDS + 2 * 3_600


def _period_end_days(frame: pl.DataFrame) -> np.ndarray:
    """Last day of each row's period (year, month; a missing month is the whole year)."""
    month = (
        frame["month"].fill_null(12) if "month" in frame.columns else pl.repeat(12, frame.height)
    )
    first_next = pl.select(
        pl.date(frame["year"], month, 1).dt.offset_by("1mo").cast(pl.Int32)
    ).to_series()
    return first_next.to_numpy().astype(float) - 1


def arrivals(rng, dataset: str, frame: pl.DataFrame, end: date) -> pl.Series:
    """``recorded_at`` of each row of ``frame`` (a dataset's rows as generated): when it reached
    the warehouse. Monthly loads for registries, evaluations and statistics (after a reporting
    delay, or a publication delay for statistics), a continuous feed for 12345 tickets and
    data-sharing requests; never after ``end``."""
    schema = load_schemas()[dataset]
    n = frame.height
    if dataset in ("hotline_tickets", "data_sharing_requests"):
        start = frame[schema.period_column].cast(pl.Datetime("us")).dt.epoch("s").to_numpy()
        u = rng.random(n)
        lag = np.where(u < 0.97, rng.exponential(600.0, n), rng.uniform(1, 5, n) * DAY_SECONDS)
        seconds = start.astype(np.int64) + lag.astype(np.int64)
    else:
        if "year" in frame.columns:
            event = _period_end_days(frame)
            annual = frame["month"].is_null().to_numpy() if "month" in frame.columns else False
            delay = np.where(annual, rng.uniform(40, 75, n), rng.uniform(8, 28, n))
            late = rng.random(n) < 0.02
            delay = np.where(late, delay + rng.uniform(60, 200, n), delay)
        else:
            event = frame[schema.period_column].cast(pl.Int32).to_numpy().astype(float)
            delay = _reporting_delay(rng, n)
        days = event + delay
        if dataset == "service_items":
            region, kind, first, last, share = LATE_BACKFILL
            listed = frame["listed_date"]
            backfill = (
                (frame["region_code"] == region)
                & (frame["list_type"] == kind)
                & listed.is_between(first, last)
            ).to_numpy() & (rng.random(n) < share)
            window = _uniform_days(rng, n, *LATE_BACKFILL_WINDOW)
            days = np.where(backfill, window, days)
        seconds = _next_load(days)
    cap = (_day(end) + 1) * DAY_SECONDS - 3_600  # the extract is taken at 23:00 on ``end``
    seconds = np.minimum(seconds, cap)
    return pl.Series(RECORDED_COLUMN, seconds * 1_000_000).cast(pl.Datetime("us"))


PROVINCES = (
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
)
# Jiangsu's place among the provinces in the simulated 好评率 benchmark, by year
JIANGSU_RANKS = {2021: 5, 2022: 4, 2023: 3, 2024: 2, 2025: 2}


def national_benchmarks(rng, end: date) -> pl.DataFrame:
    """全国省际对标: a simulated yearly 政务服务好评率 of the 31 provinces, published in the
    next year, Jiangsu placed as ``JIANGSU_RANKS`` says; ranks by value."""
    rows = []
    for year, place in JIANGSU_RANKS.items():
        if date(year + 1, 3, 31) > end:
            continue
        others = np.sort(np.clip(rng.normal(99.25, 0.25, len(PROVINCES) - 1), 97.5, 99.96))[::-1]
        above = others[place - 2] if place > 1 else 99.99
        jiangsu = round((above + others[place - 1]) / 2, 3)
        values = dict(zip([p for p in PROVINCES if p != "江苏"], np.round(others, 3), strict=True))
        values["江苏"] = jiangsu
        ranked = sorted(values.items(), key=lambda kv: -kv[1])
        for rank, (province, value) in enumerate(ranked, start=1):
            rows.append(
                {
                    "benchmark": "service_positive_rate",
                    "benchmark_name": "政务服务好评率",
                    "year": year,
                    "province": province,
                    "value": float(value),
                    "unit": "%",
                    "rank": rank,
                    "source": "模拟数据（demo generator）：各省份政务服务“好差评”年度好评率",
                }
            )
    return pl.DataFrame(rows)


PLAN_TASKS = Path(__file__).with_name("plan_tasks.yaml")


def plan_tasks(rng, end: date) -> pl.DataFrame:
    """重点任务台账: the seeded tasks' yearly milestones (``plan_tasks.yaml``), reported at each
    quarter's end whenever their progress changes. A milestone starts in its year, is finished
    by its year's end about four times in five, late by up to half a year otherwise, and one
    in twenty is still open; an open one past its year is reported 滞后."""
    seed = yaml.safe_load(PLAN_TASKS.read_text(encoding="utf-8"))
    quarters = [
        q
        for y in range(2021, end.year + 1)
        for q in (date(y, 3, 31), date(y, 6, 30), date(y, 9, 30), date(y, 12, 31))
        if q <= end
    ]
    rows = []
    for task in seed["tasks"]:
        for year, milestone in sorted(task["milestones"].items()):
            u = rng.random()
            start = date(year, 1, 1) + timedelta(days=int(rng.integers(0, 120)))
            if u < 0.8:
                done = date(year, 6, 30) + timedelta(days=int(rng.integers(0, 180)))
            elif u < 0.95:
                done = date(year + 1, 1, 15) + timedelta(days=int(rng.integers(0, 170)))
            else:
                done = None
            last = None
            for q in quarters:
                if done is not None and q >= done:
                    status = "已完成"
                elif q > date(year, 12, 31):
                    status = "滞后"
                elif q >= start:
                    status = "推进中"
                else:
                    status = "未启动"
                if status == last:
                    continue
                last = status
                evidence = {
                    "已完成": f"模拟佐证：{milestone}（完成于 {done:%Y-%m}）" if done else None,
                    "推进中": f"模拟佐证：{milestone}工作已启动",
                    "滞后": f"模拟佐证：{milestone}尚未完成，正在推进",
                }.get(status)
                rows.append(
                    {
                        "task_id": task["id"],
                        "target_set": seed["target_set"],
                        "chapter": task["chapter"],
                        "chapter_title": task["chapter_title"],
                        "task": task["task"],
                        "lead_unit": task["lead"],
                        "supporting_units": task["support"],
                        "milestone_year": int(year),
                        "milestone": milestone,
                        "status": status,
                        "evidence": evidence,
                        "reported_date": q,
                    }
                )
    return pl.DataFrame(rows)


def _with_arrivals(frame: pl.DataFrame, dataset: str, seed: int, end: date) -> pl.DataFrame:
    rng = _rng(seed, f"{dataset}/arrival")
    return frame.with_columns(arrivals(rng, dataset, frame, end))


# --------------------------------------------------------------------------- entry point
def generate(
    out_dir: Path, *, scale: int = 1, seed: int = 20210831, end: date = date(2026, 10, 31)
) -> dict[str, Path]:
    """Write one Parquet file per dataset into out_dir (named <dataset>.parquet); return dataset -> path.

    All rows are synthetic (``is_synthetic = true``). ``scale`` multiplies item-level volumes
    (≥ 100,000 hotline tickets per unit of scale); ``end`` is the last date of the data.
    """
    if scale < 1:
        raise ValueError("scale must be a positive integer")
    if end < date(2021, 12, 31):
        raise ValueError("end must be 2021-12-31 or later (every dataset then has rows)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    regions = _regions()
    source = f"模拟数据（demo generator, seed {seed}）"
    registries = {
        "service_items": lambda g: service_items(g, regions, scale, end),
        "info_systems": lambda g: info_systems(g, regions, scale, end),
        "private_networks": lambda g: private_networks(g, regions, scale, end),
        "gov_apps": lambda g: gov_apps(g, regions, scale, end),
        "enforcement_bodies": lambda g: enforcement_bodies(g, regions, scale, end),
        "data_sharing_requests": lambda g: data_sharing_requests(g, regions, scale, end),
        "scenarios": lambda g: scenarios(g, regions, end),
        "service_evaluations": lambda g: service_evaluations(g, regions, end),
        "economic_stats": lambda g: economic_stats(g, regions, end, source),
        "governance_stats": lambda g: governance_stats(g, regions, end, source),
        "plan_tasks": lambda g: plan_tasks(g, end),
        "national_benchmarks": lambda g: national_benchmarks(g, end),
    }
    paths = {
        name: _write(_with_arrivals(build(_rng(seed, name)), name, seed, end), name, out_dir)
        for name, build in registries.items()
    }
    paths["hotline_tickets"] = hotline_tickets(
        _rng(seed, "hotline_tickets"),
        scale,
        end,
        out_dir,
        arrival_rng=_rng(seed, "hotline_tickets/arrival"),
    )
    return dict(sorted(paths.items()))
