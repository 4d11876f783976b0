"""``databrain assess`` — read one series against a target from the command line.

Registered in the main group by ``cli`` (``main.add_command(assess)``); it needs no
warehouse. Times are decimal years (``2023``, ``2023.5``) or ``YYYY-MM`` for the end of that month
(``2024-06`` = 2023.5), as in :mod:`indicators.tracking`.
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import click

from indicators import tracking

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^\d{4}(\.\d+)?$")


class InputError(ValueError):
    """Bad input, said in Chinese and in English."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en

    def at(self, zh_where: str, en_where: str) -> InputError:
        return InputError(f"{zh_where}：{self.zh}", f"{en_where}: {self.en}")


def parse_time(text: str) -> float:
    """``2023`` / ``2023.5`` → a decimal year; ``2024-06`` → end of June 2024 = 2023.5."""
    text = text.strip()
    month = _MONTH.match(text)
    if month:
        year, m = int(month.group(1)), int(month.group(2))
        if not 1 <= m <= 12:
            raise InputError(f"“{text}”的月份不在 1–12", f"'{text}': month is not 1–12")
        return tracking.month_end_year(year, m)
    if _YEAR.match(text):
        return float(text)
    raise InputError(
        f"“{text}”不是年份（YYYY、小数年或 YYYY-MM）",
        f"'{text}' is not a year (YYYY, a decimal year or YYYY-MM)",
    )


def parse_value(text: str) -> float:
    """A finite number."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"“{text}”不是数字", f"'{text}' is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"“{text}”不是有限数", f"'{text}' is not a finite number")
    return value


def parse_series(text: str) -> dict[float, float]:
    """``2020=40,2023=62`` → ``{2020.0: 40.0, 2023.0: 62.0}``."""
    series: dict[float, float] = {}
    for n, pair in enumerate(text.split(","), start=1):
        zh, en = f"第 {n} 项", f"item {n}"
        if pair.count("=") != 1:
            raise InputError(
                f"“{pair.strip()}”应写成 年份=数值", f"'{pair.strip()}' should be year=value"
            ).at(zh, en)
        year_text, value_text = pair.split("=")
        try:
            t, value = parse_time(year_text), parse_value(value_text)
        except InputError as err:
            raise err.at(zh, en) from None
        if t in series:
            raise InputError(f"年份 {year_text.strip()} 重复", "year repeated").at(zh, en)
        series[t] = value
    return series


def read_series_file(path: Path) -> dict[float, float]:
    """A CSV with columns ``year,value`` (UTF-8, BOM optional); blank values are skipped."""
    if not path.is_file():
        raise InputError(f"文件不存在：{path}", f"file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path} 不是 UTF-8 编码", f"{path} is not UTF-8 encoded") from None
    rows = list(csv.reader(text.splitlines()))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    missing = ", ".join(c for c in ("year", "value") if c not in header)
    if missing:
        got = ",".join(header) or "（空）"
        raise InputError(
            f"{path} 表头缺少列 {missing}（应为 year,value，实际为 {got}）",
            f"{path}: header lacks column(s) {missing} (expected year,value; got {got})",
        )
    i_year, i_value = header.index("year"), header.index("value")
    series: dict[float, float] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = (f"{path} 第 {line} 行", f"{path} line {line}")
        if len(row) <= max(i_year, i_value):
            raise InputError("列数不足", "too few columns").at(*where)
        year_text, value_text = row[i_year], row[i_value]
        try:
            t = parse_time(year_text)
        except InputError as err:
            raise err.at(f"{where[0]} year 列", f"{where[1]}, column year") from None
        if not value_text.strip():
            continue  # a blank value is a missing observation
        try:
            value = parse_value(value_text)
        except InputError as err:
            raise err.at(f"{where[0]} value 列", f"{where[1]}, column value") from None
        if t in series:
            raise InputError(f"年份 {year_text.strip()} 重复", "year repeated").at(*where)
        series[t] = value
    return series


def parse_bounds(text: str) -> tuple[float | None, float | None]:
    """``0,100`` → ``(0.0, 100.0)``; an empty side (``0,``) is open."""
    parts = text.split(",")
    if len(parts) != 2:
        raise InputError(f"“{text}”应写成 下限,上限", f"'{text}' should be LO,HI (e.g. 0,100)")
    lo, hi = (parse_value(p) if p.strip() else None for p in parts)
    return lo, hi


@click.command(
    context_settings=CONTEXT,
    help=(
        "计算单个序列相对目标的进度状态（ratio：Open SDG 增速比值法；projection：联合国统计司"
        "进度图外推法；linear：年均百分点进度法），默认输出 JSON。所选方法不适用时（基期为 0、"
        "正负号改变、接近自然界限、不足 1 年等）按文档规则改用替代读法，并在 method_used、"
        "fallback 与说明中写明。\n\n"
        "Assess one series against a target (ratio: Open SDG growth-rate ratio; projection: "
        "UNSD Progress Chart trend projection; linear: percentage-point pace) and print JSON "
        "by default. Where the method cannot be applied (zero baseline, sign change, near a "
        "natural bound, under a year of data, ...) a documented fallback rule decides the "
        "reading, named in method_used, fallback and the explanation.\n\n"
        "示例 / example: databrain assess --series 2020=40,2023=62 --target 80 "
        "--target-year 2025"
    ),
)
@click.option(
    "--series",
    "series_text",
    metavar="T=V,...",
    help="年份=数值，逗号分隔；年份可为小数年或 YYYY-MM（月末）/ year=value pairs; "
    "year may be decimal or YYYY-MM (end of that month)",
)
@click.option(
    "--series-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV 文件，列 year,value（UTF-8，可带 BOM）/ CSV with columns year,value",
)
@click.option("--target", type=float, help="目标值 / target value")
@click.option("--target-year", type=float, help="目标年（与 --target 同用）/ target year")
@click.option("--baseline-year", type=float, help="基期年 / baseline year (default: first)")
@click.option(
    "--polarity",
    type=click.Choice(tracking.POLARITIES),
    default="higher",
    show_default=True,
    help="越高越好或越低越好 / whether higher or lower is better",
)
@click.option(
    "--method",
    type=click.Choice(tracking.METHODS),
    default="ratio",
    show_default=True,
    help="评估方法 / tracking method",
)
@click.option("--bounds", "bounds_text", metavar="LO,HI", help="自然界限 / natural limits")
@click.option(
    "--unit",
    help="指标单位，仅影响说明措辞：% 时变化与差距写作“个百分点” / the indicator's unit, for "
    "wording only: with % changes and gaps read 个百分点 (percentage points)",
)
@click.option(
    "--json/--text",
    "as_json",
    default=True,
    show_default=True,
    help="输出 JSON 或中文说明 / print JSON or the Chinese explanation",
)
def assess(
    series_text: str | None,
    series_file: Path | None,
    target: float | None,
    target_year: float | None,
    baseline_year: float | None,
    polarity: str,
    method: str,
    bounds_text: str | None,
    unit: str | None,
    as_json: bool,
) -> None:
    if (series_text is None) == (series_file is None):
        raise click.UsageError(
            "请给出 --series 或 --series-file 之一 / give exactly one of --series and --series-file"
        )
    if target is not None and target_year is None:
        raise click.UsageError("--target 需要同时给出 --target-year / --target needs --target-year")
    try:
        if series_text is not None:
            series = parse_series(series_text)
        else:
            series = read_series_file(series_file)
    except ValueError as err:
        hint = "--series" if series_text is not None else "--series-file"
        raise click.BadParameter(str(err), param_hint=hint) from None
    try:
        bounds = parse_bounds(bounds_text) if bounds_text is not None else None
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--bounds") from None
    try:
        result = tracking.assess(
            series,
            target=target,
            target_year=target_year,
            polarity=polarity,
            method=method,
            baseline_year=baseline_year,
            bounds=bounds,
            unit=unit,
        )
    except ValueError as err:
        raise click.UsageError(f"参数有误 / invalid options: {err}") from None

    out = result.to_dict()
    out.update(out["numbers"])
    final = None
    if target is not None and series and max(series) >= target_year:
        try:
            final = tracking.final_assessment(
                series, target=target, target_year=target_year, polarity=polarity, unit=unit
            )
            out["final"] = final.to_dict()
        except ValueError:  # every observation falls after the deadline
            out["final"] = None
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    used = result.method_used
    how = method if used in (None, method) else f"{method} → {used}"
    rule = f"，{tracking.FALLBACK_LABELS[result.fallback]}" if result.fallback else ""
    click.echo(f"{out['status_label']}（{result.status}，{how}{rule}）")
    click.echo(result.explain)
    if final is not None:
        click.echo(f"期末 / final: {final.explain}")
