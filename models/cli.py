"""``databrain forecast``: batch forecasts into the warehouse, or one series from a CSV file."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

import click

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(2)


def read_series_file(path: Path) -> tuple[list[str], list[float]]:
    """(periods, values) from a CSV with columns period,value (period YYYY or YYYY-MM)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        _fail(f"无法读取文件「{path.name}」：{err} / cannot read {path.name}")
    rows = list(csv.DictReader(text.splitlines()))
    header = [h.strip() for h in (rows[0].keys() if rows else text.splitlines()[0].split(","))]
    if "period" not in header or "value" not in header:
        _fail(
            f"文件「{path.name}」第 1 行：需要列 period,value，实际为 {','.join(header)} / "
            f"{path.name} line 1: expected columns period,value"
        )
    periods, values = [], []
    for number, row in enumerate(rows, start=2):
        period, value = (row.get("period") or "").strip(), (row.get("value") or "").strip()
        try:
            if len(period) == 4:
                int(period)
            else:
                dt.date(int(period[:4]), int(period[5:7]), 1)
                if len(period) != 7 or period[4] != "-":
                    raise ValueError
        except ValueError:
            _fail(
                f"文件「{path.name}」第 {number} 行「period」：「{period}」不是 YYYY 或 YYYY-MM / "
                f"line {number}, column period: not YYYY or YYYY-MM"
            )
        if value == "":
            continue
        try:
            values.append(float(value))
        except ValueError:
            _fail(
                f"文件「{path.name}」第 {number} 行「value」：「{value}」不是数值 / "
                f"line {number}, column value: not a number"
            )
        periods.append(period)
    if len(values) < 2:
        _fail(f"文件「{path.name}」：至少需要 2 个观测 / need at least 2 observations")
    return periods, values


def _next_periods(last: str, steps: int) -> list[str]:
    if len(last) == 4:
        return [str(int(last) + i) for i in range(1, steps + 1)]
    index = int(last[:4]) * 12 + int(last[5:7]) - 1
    return [f"{(index + i) // 12}-{(index + i) % 12 + 1:02d}" for i in range(1, steps + 1)]


@click.command(
    context_settings=CONTEXT,
    help=(
        "预测。不带 --series-file 时：为目标集中每个量化目标、全省与 13 市、当前与中期评估两个"
        "时点批量预测（按回测选模型，并行计算），写入仓库表 forecasts 与 forecast_models。"
        "带 --series-file F.csv（列 period,value；period 为 YYYY 或 YYYY-MM）时：只预测该序列，"
        "输出所选模型、点预测、80% 与 95% 区间和回测 MASE。\n\n"
        "Forecast. Without --series-file: forecast every numeric target series (province and 13 "
        "cities, newest and mid-term vintages; model chosen by backtest, fitted in parallel) "
        "into the warehouse tables forecasts and forecast_models. With --series-file F.csv "
        "(columns period,value; period YYYY or YYYY-MM): forecast that one series and print "
        "the chosen model, point forecasts, 80% and 95% intervals and the backtest MASE."
    ),
)
@click.option(
    "--series-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="单个序列的 CSV / one series as CSV",
)
@click.option("--period", type=int, default=None, help="季节周期（月度 12）/ season length")
@click.option("--horizon", type=int, default=12, show_default=True, help="预测步数 / steps ahead")
@click.option("--bounds", default=None, help="自然界限 LO,HI（如 0,100）/ natural bounds")
@click.option("--cumulative", is_flag=True, help="累计值，不会下降 / a running total")
@click.option("--workers", type=int, default=None, help="并行进程数 / worker processes")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print JSON")
def forecast(series_file, period, horizon, bounds, cumulative, workers, as_json) -> None:
    if series_file is None:
        _batch(workers, as_json)
        return
    from models.forecast import MODEL_LABELS, Forecaster

    periods, values = read_series_file(series_file)
    if period is None:
        period = 12 if len(periods[-1]) == 7 else 1
    lo = hi = None
    if bounds:
        try:
            lo_s, hi_s = bounds.split(",")
            lo = float(lo_s) if lo_s.strip() else None
            hi = float(hi_s) if hi_s.strip() else None
        except ValueError:
            _fail(f"--bounds 应为 LO,HI，实际为「{bounds}」/ --bounds must be LO,HI")
    fc = Forecaster(period=period, bounds=(lo, hi) if bounds else None, cumulative=cumulative)
    fc = fc.fit(values)
    frame = fc.forecast(horizon)
    future = _next_periods(periods[-1], horizon)
    result = {
        "model": fc.model,
        "model_label": MODEL_LABELS.get(fc.model, fc.model),
        "params": fc.params,
        "n_obs": fc.n_obs,
        "backtest_mase": fc.mase,
        "naive_mase": fc.backtest.get("naive"),
        "beats_naive": fc.beats_naive,
        "backtest": fc.backtest,
        "note": fc.note,
        "forecast": [
            {"period": p, **{k: float(row[k]) for k in ("mean", "lo80", "hi80", "lo95", "hi95")}}
            for p, row in zip(future, frame.iter_rows(named=True), strict=True)
        ],
    }
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"模型 model: {result['model_label']}  {fc.note}")
    for row in result["forecast"]:
        click.echo(
            f"{row['period']}  {row['mean']:.2f}  80% [{row['lo80']:.2f}, {row['hi80']:.2f}]  "
            f"95% [{row['lo95']:.2f}, {row['hi95']:.2f}]"
        )


def refresh_forecasts(warehouse, *, workers: int | None = None):
    """Forecasts, then the warnings that use them and the anomaly scan, in one new version."""
    from indicators.derived import write_table
    from models.batch import forecast_all
    from models.risk import anomalies_table, materialise_risk

    with warehouse.writer() as staging:
        report = forecast_all(staging.con, workers=workers)
        materialise_risk(staging.con)  # probability warnings use the new forecasts
        write_table(staging.con, "anomalies", anomalies_table(staging.con))
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
    summary = {"series": report.series, "seconds": report.seconds, "workers": report.workers}
    if as_json:
        click.echo(json.dumps(summary))
    else:
        click.echo(
            f"已预测 {report.series} 个序列，{report.workers} 个进程，用时 {report.seconds:.1f} 秒"
            f" / forecast {report.series} series"
        )
