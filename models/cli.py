"""``databrain forecast``: batch forecasts into the warehouse, or one series from a CSV file."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import click

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(2)


# Accepted headers (English or Chinese) of a series file.
HEADERS = {
    "series": ("series", "序列"),
    "period": ("period", "时期"),
    "value": ("value", "数值"),
}
FREQUENCY = {"year": 1, "quarter": 4, "month": 12}
FREQUENCY_LABEL = {"year": "年度（YYYY）", "quarter": "季度（YYYY-Qn）", "month": "月度（YYYY-MM）"}
_PERIOD = {
    "year": re.compile(r"^(\d{4})$"),
    "quarter": re.compile(r"^(\d{4})-?[Qq]([1-4])$"),
    "month": re.compile(r"^(\d{4})-(\d{1,2})$"),
}


def parse_period(text: str) -> tuple[str, int] | None:
    """(frequency, index) of a period — YYYY, YYYY-Qn or YYYY-MM — or None. The index counts
    periods (years, quarters or months since year 0), so consecutive periods differ by 1."""
    text = text.strip()
    for kind, pattern in _PERIOD.items():
        match = pattern.match(text)
        if not match:
            continue
        year = int(match.group(1))
        if kind == "year":
            return kind, year
        sub = int(match.group(2))
        if kind == "month" and not 1 <= sub <= 12:
            return None
        return kind, year * FREQUENCY[kind] + sub - 1
    return None


def format_period(kind: str, index: int) -> str:
    """The period with this index, written as YYYY, YYYY-Qn or YYYY-MM."""
    if kind == "year":
        return str(index)
    year, sub = divmod(index, FREQUENCY[kind])
    return f"{year}-Q{sub + 1}" if kind == "quarter" else f"{year}-{sub + 1:02d}"


@dataclass
class SeriesData:
    """One series read from a file, oldest first."""

    name: str | None
    frequency: str
    periods: list[int]
    values: list[float]

    @property
    def last_period(self) -> str:
        return format_period(self.frequency, self.periods[-1])


def read_series_file(path: Path) -> list[SeriesData]:
    """The series of a long CSV: columns period,value or series,period,value (Chinese headers
    序列/时期/数值 too; UTF-8, BOM allowed). Rows are sorted by period within each series; a
    duplicate period, a gap, an empty value or a change of frequency stops with a Chinese error
    naming the file, row and column (exit code 2)."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        _fail(f"无法读取文件「{name}」：{err} / cannot read {name}")
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    columns = {}
    for key, aliases in HEADERS.items():
        found = [i for i, h in enumerate(header) if h.lower() in aliases]
        if found:
            columns[key] = found[0]
    if "period" not in columns or "value" not in columns:
        _fail(
            f"文件「{name}」第 1 行：需要列 period,value（可加 series；中文表头 序列,时期,数值），"
            f"实际为 {','.join(header)} / {name} line 1: expected columns period,value "
            "(optionally series)"
        )
    rows: dict[str | None, list[tuple[int, int, float]]] = {}
    kinds: dict[str | None, tuple[str, int]] = {}
    period_col = header[columns["period"]]
    value_col = header[columns["value"]]
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = [c.strip() for c in row] + [""] * len(header)
        series = cells[columns["series"]] if "series" in columns else None
        label = f"序列「{series}」" if series is not None else "序列"
        period_text, value_text = cells[columns["period"]], cells[columns["value"]]
        parsed = parse_period(period_text)
        if parsed is None:
            _fail(
                f"文件「{name}」第 {number} 行「{period_col}」：「{period_text}」不是 YYYY、"
                f"YYYY-Qn 或 YYYY-MM / line {number}, column {period_col}: not YYYY, YYYY-Qn "
                "or YYYY-MM"
            )
        kind, index = parsed
        first_kind = kinds.setdefault(series, (kind, number))
        if kind != first_kind[0]:
            _fail(
                f"文件「{name}」第 {number} 行「{period_col}」：{label}的时期「{period_text}」为"
                f"{FREQUENCY_LABEL[kind]}，而第 {first_kind[1]} 行为{FREQUENCY_LABEL[first_kind[0]]}；"
                f"一个序列只能有一种频率 / line {number}, column {period_col}: mixed frequencies"
            )
        if value_text == "":
            _fail(
                f"文件「{name}」第 {number} 行「{value_col}」：{label} {period_text} 的数值为空；"
                f"请补齐或删去该序列的缺口 / line {number}, column {value_col}: empty value"
            )
        try:
            value = float(value_text)
        except ValueError:
            value = float("nan")
        if value != value or value in (float("inf"), float("-inf")):
            _fail(
                f"文件「{name}」第 {number} 行「{value_col}」：「{value_text}」不是数值 / "
                f"line {number}, column {value_col}: not a number"
            )
        rows.setdefault(series, []).append((index, number, value))
    if not rows:
        _fail(f"文件「{name}」：没有数据行 / {name}: no data rows")
    out = []
    for series, items in rows.items():
        label = f"序列「{series}」" if series is not None else "序列"
        kind = kinds[series][0]
        items.sort()
        for (a, row_a, _), (b, row_b, _) in zip(items, items[1:], strict=False):
            if a == b:
                _fail(
                    f"文件「{name}」第 {row_b} 行「{period_col}」：{label}的时期 "
                    f"{format_period(kind, b)} 与第 {row_a} 行重复 / line {row_b}, column "
                    f"{period_col}: duplicate period (also line {row_a})"
                )
            if b != a + 1:
                missing = format_period(kind, a + 1)
                more = f" 至 {format_period(kind, b - 1)}" if b - 1 > a + 1 else ""
                _fail(
                    f"文件「{name}」第 {row_b} 行「{period_col}」：{label}在 "
                    f"{format_period(kind, a)}（第 {row_a} 行）与 {format_period(kind, b)} 之间缺少 "
                    f"{missing}{more}；请补齐缺口后再预测 / line {row_b}, column {period_col}: "
                    f"gap before {format_period(kind, b)} (missing {missing})"
                )
        if len(items) < 2:
            _fail(
                f"文件「{name}」：{label}至少需要 2 个观测 / {name}: need at least 2 observations"
            )
        out.append(SeriesData(series, kind, [i for i, _, _ in items], [v for _, _, v in items]))
    return out


def _forecast_one(
    data: SeriesData,
    *,
    period: int | None,
    horizon: int,
    bounds,
    cumulative: bool,
    target: float | None,
    target_period: str | None,
    polarity: str,
) -> dict:
    """The JSON-ready forecast of one series (see ``forecast``'s help)."""
    from models.forecast import MODEL_LABELS, Forecaster

    kind = data.frequency
    target_step = None
    if target is not None:
        parsed = parse_period(target_period)
        if parsed[0] != kind:
            _fail(
                f"--target-period「{target_period}」为{FREQUENCY_LABEL[parsed[0]]}，"
                f"而{('序列「' + data.name + '」') if data.name is not None else '序列'}为"
                f"{FREQUENCY_LABEL[kind]} / --target-period has another frequency than the series"
            )
        target_step = parsed[1] - data.periods[-1]
    steps = max(horizon, target_step or 0)
    fc = Forecaster(
        period=period or FREQUENCY[kind], bounds=bounds, cumulative=cumulative, horizon=steps
    ).fit(data.values)
    frame = fc.forecast(steps)
    result = {
        "model": fc.model,
        "model_label": MODEL_LABELS.get(fc.model, fc.model),
        "params": fc.params,
        "n_obs": fc.n_obs,
        "period": fc.period,
        "last_period": data.last_period,
        "backtest_mase": fc.mase,
        "naive_mase": fc.backtest.get("naive"),
        "beats_naive": fc.beats_naive,
        "backtest": fc.backtest,
        "note": fc.note,
        "forecast": [
            {
                "period": format_period(kind, data.periods[-1] + step),
                **{k: float(row[k]) for k in ("mean", "lo80", "hi80", "lo95", "hi95")},
            }
            for step, row in zip(range(1, steps + 1), frame.iter_rows(named=True), strict=True)
        ],
    }
    if target is not None:
        result["target"] = target
        result["target_period"] = format_period(kind, parse_period(target_period)[1])
        result["polarity"] = polarity
        if target_step >= 1:
            result["p_meet"] = fc.probability(target, target_step, polarity=polarity)
            first = fc.expected_step(target, steps, polarity=polarity)
            result["expected_period"] = (
                None if first is None else format_period(kind, data.periods[-1] + first)
            )
        else:
            # the target period is already observed: say whether it was met, no probability
            observed = (
                data.values[data.periods.index(parse_period(target_period)[1])]
                if (parse_period(target_period)[1] in data.periods)
                else None
            )
            result["p_meet"] = None
            result["expected_period"] = None
            result["observed_at_target_period"] = observed
    return result


@click.command(
    context_settings=CONTEXT,
    help=(
        "预测。不带 --series-file 时：为目标集中每个量化目标、全省与 13 市、当前与中期评估两个"
        "时点批量预测（按截止期限的预测步长回测选模型并校准区间，并行计算），写入仓库表 "
        "forecasts、forecast_models 与 forecast_track_record（达标概率的历史检验）。"
        "带 --series-file F.csv 时：预测文件中的序列。文件为长表：列 period,value，或 "
        "series,period,value 一次预测多个序列（中文表头 序列,时期,数值 亦可）；时期为 YYYY、"
        "YYYY-Qn 或 YYYY-MM，按时期排序，重复时期、缺口、空值或频率混用则报错（指明文件、行、列，"
        "退出码 2）。输出所选模型、点预测、80% 与 95% 区间、回测 MASE；加 --target V "
        "--target-period P 时另输出到 P 期达到 V 的概率 p_meet 与预计达标时期。无 series 列时 "
        'JSON 为单个对象；有 series 列时为 {"series": {名称: 对象}}。\n\n'
        "Forecast. Without --series-file: forecast every numeric target series (province and 13 "
        "cities, newest and mid-term vintages; model chosen and intervals calibrated by backtest "
        "at the horizon to the deadline, fitted in parallel) into the warehouse tables "
        "forecasts, forecast_models and forecast_track_record. With --series-file F.csv: a long "
        "CSV with columns period,value, or series,period,value for many series (Chinese "
        "headers 序列,时期,数值 too); periods YYYY, YYYY-Qn or YYYY-MM, sorted; a duplicate "
        "period, a gap, an empty value or mixed frequencies is an error naming file, row and "
        "column (exit code 2). Prints the chosen model, point forecasts, 80% and 95% intervals "
        "and the backtest MASE; --target V --target-period P adds p_meet (the probability of "
        "meeting V at P) and the expected period. JSON is one object without a series column, "
        '{"series": {name: object}} with one.'
    ),
)
@click.option(
    "--series-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="序列 CSV（长表）/ series as a long CSV",
)
@click.option("--period", type=int, default=None, help="季节周期（默认月度 12、季度 4）/ season")
@click.option("--horizon", type=int, default=12, show_default=True, help="预测步数 / steps ahead")
@click.option("--bounds", default=None, help="自然界限 LO,HI（如 0,100）/ natural bounds")
@click.option("--cumulative", is_flag=True, help="累计值，不会下降 / a running total")
@click.option("--target", type=float, default=None, help="目标值 / target value")
@click.option(
    "--target-period", default=None, help="目标时期 / target period (YYYY, YYYY-Qn, YYYY-MM)"
)
@click.option(
    "--polarity",
    type=click.Choice(["higher", "lower"]),
    default="higher",
    show_default=True,
    help="越高越好或越低越好 / higher or lower is better",
)
@click.option("--workers", type=int, default=None, help="并行进程数 / worker processes")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print JSON")
def forecast(
    series_file,
    period,
    horizon,
    bounds,
    cumulative,
    target,
    target_period,
    polarity,
    workers,
    as_json,
) -> None:
    if series_file is None:
        _batch(workers, as_json)
        return
    if horizon < 1:
        _fail(f"--horizon 须为正整数，实际为 {horizon} / --horizon must be ≥ 1")
    if (target is None) != (target_period is None):
        _fail("--target 与 --target-period 须同时给出 / give both --target and --target-period")
    if target_period is not None and parse_period(target_period) is None:
        _fail(
            f"--target-period「{target_period}」不是 YYYY、YYYY-Qn 或 YYYY-MM / "
            "--target-period must be YYYY, YYYY-Qn or YYYY-MM"
        )
    lo = hi = None
    if bounds:
        try:
            lo_s, hi_s = bounds.split(",")
            lo = float(lo_s) if lo_s.strip() else None
            hi = float(hi_s) if hi_s.strip() else None
        except ValueError:
            _fail(f"--bounds 应为 LO,HI，实际为「{bounds}」/ --bounds must be LO,HI")
    all_series = read_series_file(series_file)
    options = {
        "period": period,
        "horizon": horizon,
        "bounds": (lo, hi) if bounds else None,
        "cumulative": cumulative,
        "target": target,
        "target_period": target_period,
        "polarity": polarity,
    }
    results = {data.name: _forecast_one(data, **options) for data in all_series}
    keyed = all_series[0].name is not None
    if as_json:
        payload = {"series": results} if keyed else results[None]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
        return
    for name, result in results.items():
        head = f"【{name}】" if keyed else ""
        click.echo(f"{head}模型 model: {result['model_label']}  {result['note']}")
        if result.get("p_meet") is not None:
            expected = result["expected_period"] or "预测期内未达到 / not within the horizon"
            click.echo(
                f"到 {result['target_period']} 达到 {result['target']:g} 的概率 "
                f"{100 * result['p_meet']:.0f}%，预计达标时期 {expected}"
            )
        for row in result["forecast"]:
            click.echo(
                f"{row['period']}  {row['mean']:.2f}  80% [{row['lo80']:.2f}, {row['hi80']:.2f}]"
                f"  95% [{row['lo95']:.2f}, {row['hi95']:.2f}]"
            )


def refresh_forecasts(warehouse, *, workers: int | None = None):
    """Forecasts, then the warnings that use them and the anomaly scan, in one new version."""
    from models.batch import forecast_all
    from models.risk import materialise_risk, write_anomaly_tables

    with warehouse.writer() as staging:
        report = forecast_all(staging.con, workers=workers)
        materialise_risk(staging.con)  # probability warnings use the new forecasts
        write_anomaly_tables(staging.con)  # every risk vintage, both readings
    return report


def start_background_forecast(db: Path) -> None:
    """Refresh forecasts in a detached process (after an upload: the page must not wait).

    Set ``DATABRAIN_BACKGROUND_FORECAST=0`` to skip (tests do, to keep the warehouse still).
    """
    import os
    import subprocess

    if os.environ.get("DATABRAIN_BACKGROUND_FORECAST", "1") == "0":
        return
    subprocess.Popen(
        [sys.executable, "-m", "datasets.cli", "forecast"],
        env={**os.environ, "DATABRAIN_DB": str(db)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _batch(workers: int | None, as_json: bool) -> None:
    from datasets.warehouse import Warehouse

    warehouse = Warehouse()
    if not warehouse.exists() or "target_progress" not in warehouse.table_names():
        _fail("数据仓库不存在或指标尚未计算（先运行 databrain demo / compute）/ no indicators yet")
    report = refresh_forecasts(warehouse, workers=workers)
    summary = {
        "series": report.series,
        "seconds": report.seconds,
        "workers": report.workers,
        "track_record_questions": report.track_record_questions,
        "track_record_skill": report.track_record_skill,
    }
    if as_json:
        click.echo(json.dumps(summary))
    else:
        click.echo(
            f"已预测 {report.series} 个序列，{report.workers} 个进程，用时 {report.seconds:.1f} 秒"
            f" / forecast {report.series} series"
        )
        if report.track_record_questions:
            skill = report.track_record_skill
            click.echo(
                f"达标概率历史检验：{report.track_record_questions} 个问题，Brier 技巧评分 "
                f"{'—' if skill is None else f'{skill:.2f}'} / track record of P(target met)"
            )
