"""``databrain forecast --series-file``: read a long CSV of series, forecast each one, and say in
Chinese what is wrong with a file (file, row, column) when it cannot be read."""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from models.forecast import MODEL_LABELS, Forecaster

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str) -> None:
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
        fail(f"无法读取文件「{name}」：{err} / cannot read {name}")
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    columns = {}
    for key, aliases in HEADERS.items():
        found = [i for i, h in enumerate(header) if h.lower() in aliases]
        if found:
            columns[key] = found[0]
    if "period" not in columns or "value" not in columns:
        fail(
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
            fail(
                f"文件「{name}」第 {number} 行「{period_col}」：「{period_text}」不是 YYYY、"
                f"YYYY-Qn 或 YYYY-MM / line {number}, column {period_col}: not YYYY, YYYY-Qn "
                "or YYYY-MM"
            )
        kind, index = parsed
        first_kind = kinds.setdefault(series, (kind, number))
        if kind != first_kind[0]:
            fail(
                f"文件「{name}」第 {number} 行「{period_col}」：{label}的时期「{period_text}」为"
                f"{FREQUENCY_LABEL[kind]}，而第 {first_kind[1]} 行为{FREQUENCY_LABEL[first_kind[0]]}；"
                f"一个序列只能有一种频率 / line {number}, column {period_col}: mixed frequencies"
            )
        if value_text == "":
            fail(
                f"文件「{name}」第 {number} 行「{value_col}」：{label} {period_text} 的数值为空；"
                f"请补齐或删去该序列的缺口 / line {number}, column {value_col}: empty value"
            )
        try:
            value = float(value_text)
        except ValueError:
            value = float("nan")
        if value != value or value in (float("inf"), float("-inf")):
            fail(
                f"文件「{name}」第 {number} 行「{value_col}」：「{value_text}」不是数值 / "
                f"line {number}, column {value_col}: not a number"
            )
        rows.setdefault(series, []).append((index, number, value))
    if not rows:
        fail(f"文件「{name}」：没有数据行 / {name}: no data rows")
    out = []
    for series, items in rows.items():
        label = f"序列「{series}」" if series is not None else "序列"
        kind = kinds[series][0]
        items.sort()
        for (a, row_a, _), (b, row_b, _) in zip(items, items[1:], strict=False):
            if a == b:
                fail(
                    f"文件「{name}」第 {row_b} 行「{period_col}」：{label}的时期 "
                    f"{format_period(kind, b)} 与第 {row_a} 行重复 / line {row_b}, column "
                    f"{period_col}: duplicate period (also line {row_a})"
                )
            if b != a + 1:
                missing = format_period(kind, a + 1)
                more = f" 至 {format_period(kind, b - 1)}" if b - 1 > a + 1 else ""
                fail(
                    f"文件「{name}」第 {row_b} 行「{period_col}」：{label}在 "
                    f"{format_period(kind, a)}（第 {row_a} 行）与 {format_period(kind, b)} 之间缺少 "
                    f"{missing}{more}；请补齐缺口后再预测 / line {row_b}, column {period_col}: "
                    f"gap before {format_period(kind, b)} (missing {missing})"
                )
        if len(items) < 2:
            fail(f"文件「{name}」：{label}至少需要 2 个观测 / {name}: need at least 2 observations")
        out.append(SeriesData(series, kind, [i for i, _, _ in items], [v for _, _, v in items]))
    return out


def forecast_series(
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

    kind = data.frequency
    target_step = None
    if target is not None:
        parsed = parse_period(target_period)
        if parsed[0] != kind:
            fail(
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
