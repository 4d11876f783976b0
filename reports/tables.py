"""One exportable table and its provenance, written as CSV or as a formatted Excel workbook.

A :class:`Table` is a polars frame plus declared :class:`Column` s (Chinese header, unit, kind,
decimals). :func:`to_csv` writes UTF-8 with a byte-order mark (so Excel opens Chinese text
correctly) and the numbers as shown on screen (rounded to the column's decimals).
:func:`to_xlsx` writes one sheet per table — Chinese headers with units, a frozen header row,
an autofilter, number formats — and a 说明 sheet (:class:`Provenance`: title, target set, as-of
date, region, indicator definitions, source files with their SHA-256, the synthetic flag).

Output is deterministic: the same tables and provenance give the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field, replace

import polars as pl
import xlsxwriter

from datasets.status import dataset_status
from indicators.catalog import default_catalog
from indicators.formulas import formula_text

KINDS = ("text", "number", "integer", "year", "share", "date", "month", "datetime")
# Excel's epoch-free fixed timestamp for the workbook's metadata: bytes do not change per run.
_FIXED_CREATED = dt.datetime(2000, 1, 1)


@dataclass(frozen=True)
class Column:
    """A column of an exported table.

    ``kind``: ``text``; ``number`` (shown with ``decimals``); ``integer`` (a count, with
    thousands separators); ``year`` (a year or another code-like integer, written plainly:
    2025, never 2,025); ``share`` (a fraction 0–1 shown as a percentage with ``decimals``);
    ``date``; ``month`` (a date shown as ``YYYY-MM``); ``datetime``. ``unit`` is appended to the header as ``（unit）``; when the
    unit differs per row, leave it empty and export the unit as its own column. When the
    decimals differ per row (a table of several indicators), ``decimals_from`` names the
    frame's column holding each row's decimals; ``decimals`` is then the fallback for a null.
    """

    name: str
    header: str
    kind: str = "text"
    unit: str = ""
    decimals: int = 1
    width: float | None = None
    decimals_from: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"列 {self.name} 的类型 {self.kind!r} 无效，应为 {', '.join(KINDS)}")

    @property
    def label(self) -> str:
        """The header people see: ``最新值（%）``."""
        return f"{self.header}（{self.unit}）" if self.unit else self.header


@dataclass(frozen=True)
class Table:
    """A frame and how to show it. ``key`` names files; ``title`` names the sheet."""

    key: str
    title: str
    frame: pl.DataFrame
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = ()

    def __post_init__(self):
        wanted = [c.name for c in self.columns] + [
            c.decimals_from for c in self.columns if c.decimals_from
        ]
        missing = [name for name in wanted if name not in self.frame.columns]
        if missing:
            raise ValueError(f"表 {self.key} 缺少列：{', '.join(missing)}")

    def rows(self) -> list[list]:
        """The declared columns' values, row by row (Python objects)."""
        return self.frame.select([c.name for c in self.columns]).rows()

    def row_columns(self) -> list[tuple[Column, ...]]:
        """Each row's columns: a column with ``decimals_from`` takes that row's decimals."""
        per_row = [c for c in self.columns if c.decimals_from]
        if not per_row:
            return [self.columns] * self.frame.height
        decimals = {
            c.name: self.frame[c.decimals_from].cast(pl.Int64, strict=False).to_list()
            for c in per_row
        }
        made: dict[tuple[str, int], Column] = {}

        def column(col: Column, i: int) -> Column:
            if not col.decimals_from:
                return col
            d = decimals[col.name][i]
            d = col.decimals if d is None else d
            if (col.name, d) not in made:
                made[col.name, d] = replace(col, decimals=d)
            return made[col.name, d]

        return [tuple(column(c, i) for c in self.columns) for i in range(self.frame.height)]


@dataclass(frozen=True)
class Provenance:
    """What a file says about where its figures come from (the 说明 sheet)."""

    title: str
    as_of: dt.date | None = None
    target_set: str | None = None
    region: str | None = None
    synthetic: bool = False
    data_version: str = ""
    computed_at: dt.datetime | None = None
    indicators: pl.DataFrame = field(default_factory=pl.DataFrame)
    sources: pl.DataFrame = field(default_factory=pl.DataFrame)
    extra: tuple[tuple[str, str], ...] = ()

    def lines(self) -> list[tuple[str, str]]:
        """(label, text) pairs of the header block."""
        out = [("标题", self.title)]
        if self.target_set:
            out.append(("目标集", self.target_set))
        if self.region:
            out.append(("地区", self.region))
        if self.as_of:
            out.append(("数据截至", f"{self.as_of:%Y年%m月%d日}（as-of：只用此日前已知的数据）"))
        out.append(
            (
                "数据性质",
                "模拟数据：由程序按规划基线与目标生成，仅供演示，不代表真实统计"
                if self.synthetic
                else "加载的数据文件（见下方来源与校验和）",
            )
        )
        if self.data_version:
            out.append(("数据仓库版本", self.data_version))
        if self.computed_at:
            out.append(("指标计算时间", f"{self.computed_at:%Y-%m-%d %H:%M:%S}"))
        out += list(self.extra)
        return out


def filename(stem: str, ext: str, *, synthetic: bool) -> str:
    """``targets_2025-12.csv``; demo data says so in the name: ``targets_2025-12_模拟数据.csv``."""
    return f"{stem}{'_模拟数据' if synthetic else ''}.{ext}"


# --- CSV -----------------------------------------------------------------------------------------


def _csv_value(value, col: Column):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if col.kind == "number":
        return f"{value:.{col.decimals}f}"
    if col.kind == "share":
        return f"{100 * value:.{col.decimals}f}%"
    if col.kind in ("integer", "year"):
        return str(int(value))
    if col.kind == "month" and isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    if col.kind == "date" and isinstance(value, dt.date):
        return value.isoformat()[:10]
    if col.kind == "datetime" and isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``+1``, ``@SUM(…)``) kept as
    text by a leading apostrophe, as OWASP recommends; other text unchanged."""
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(table: Table) -> bytes:
    """The table as CSV: UTF-8 with BOM, CRLF, Chinese headers with units, numbers as shown.
    Text from the data that a spreadsheet would run as a formula is neutralised; numbers (a
    negative one included) are written as numbers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label for c in table.columns])
    for row, cols in zip(table.rows(), table.row_columns(), strict=True):
        writer.writerow(
            [
                _csv_value(v, c) if not isinstance(v, str) else neutralise(_csv_value(v, c))
                for v, c in zip(row, cols, strict=True)
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


# --- Excel ---------------------------------------------------------------------------------------


def _sheet_name(title: str, used: set[str]) -> str:
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "表"
    base, n = name, 2
    while name in used:
        suffix = f"({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def _number_format(col: Column) -> str | None:
    decimals = "." + "0" * col.decimals if col.decimals > 0 else ""
    return {
        "number": f"#,##0{decimals}",
        "integer": "#,##0",
        "year": "0",
        "share": f"0{decimals}%",
        "date": "yyyy-mm-dd",
        "month": "yyyy-mm",
        "datetime": "yyyy-mm-dd hh:mm:ss",
    }.get(col.kind)


def _display_width(text: str) -> float:
    """Rough width in Excel character units (a CJK character is two)."""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in text)


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self.cache: dict[str, object] = {}
        base = {"font_name": "等线", "font_size": 10}
        self.header = book.add_format(
            {**base, "bold": True, "bg_color": "#1B2A41", "font_color": "#FFFFFF", "text_wrap": True,
             "valign": "vcenter", "border": 1}
        )  # fmt: skip
        self.text = book.add_format({**base, "valign": "top"})
        self.wrap = book.add_format({**base, "text_wrap": True, "valign": "top"})
        self.title = book.add_format({**base, "bold": True, "font_size": 14})
        self.label = book.add_format({**base, "bold": True, "valign": "top"})
        self.warn = book.add_format(
            {**base, "bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"}
        )
        self.base = base

    def number(self, col: Column):
        spec = _number_format(col)
        if spec not in self.cache:
            self.cache[spec] = self.book.add_format(
                {**self.base, "num_format": spec, "valign": "top"}
            )
        return self.cache[spec]


def _write_value(sheet, r: int, c: int, value, col: Column, fmt: _Formats) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        sheet.write_blank(r, c, None, fmt.text)
    elif col.kind in ("number", "integer", "year", "share") and isinstance(value, int | float):
        sheet.write_number(r, c, float(value), fmt.number(col))
    elif col.kind in ("date", "month", "datetime") and isinstance(value, dt.date):
        if not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        sheet.write_datetime(r, c, value, fmt.number(col))
    elif isinstance(value, list | tuple):
        sheet.write_string(r, c, "、".join(str(v) for v in value), fmt.wrap)
    else:
        sheet.write_string(r, c, str(value), fmt.wrap if len(str(value)) > 40 else fmt.text)


def _write_table(sheet, table: Table, fmt: _Formats) -> None:
    cols = table.columns
    for c, col in enumerate(cols):
        sheet.write_string(0, c, col.label, fmt.header)
    rows, row_cols = table.rows(), table.row_columns()
    for r, (row, shown) in enumerate(zip(rows, row_cols, strict=True), start=1):
        for c, (value, col) in enumerate(zip(row, shown, strict=True)):
            _write_value(sheet, r, c, value, col, fmt)
    for c, col in enumerate(cols):
        if col.width:
            width = col.width
        else:
            sample = [
                _csv_value(row[c], shown[c])
                for row, shown in zip(rows[:200], row_cols[:200], strict=True)
            ]
            width = max([_display_width(col.label)] + [_display_width(s) for s in sample])
            width = min(max(width + 1.5, 6), 60)
        sheet.set_column(c, c, width)
    sheet.set_row(0, 30)
    sheet.freeze_panes(1, 0)
    if cols:
        sheet.autofilter(0, 0, max(len(rows), 1), len(cols) - 1)
    if table.notes:
        r = len(rows) + 2
        for note in table.notes:
            sheet.write_string(r, 0, note, fmt.text)
            r += 1


INDICATOR_COLUMNS = (
    Column("indicator", "指标代码", width=28),
    Column("name_zh", "指标名称", width=24),
    Column("unit", "单位", width=8),
    Column("domain", "领域", width=10),
    Column("polarity_zh", "方向", width=10),
    Column("description", "定义", width=50),
    Column("formula", "计算方法", width=50),
    Column("sources", "来源数据集", width=24),
    Column("clause", "规划条款", width=50),
    Column("responsible_units", "责任单位", width=30),
)
SOURCE_COLUMNS = (
    Column("dataset", "数据集", width=22),
    Column("file_name", "文件", width=30),
    Column("sha256", "SHA-256", width=66),
    Column("rows", "行数", "integer"),
    Column("synthetic_rows", "模拟数据行数", "integer"),
    Column("loaded_at", "加载时间", "datetime", width=20),
)


def _write_about(sheet, about: Provenance, fmt: _Formats) -> None:
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 90)
    sheet.write_string(0, 0, "说明", fmt.title)
    r = 2
    for label, text in about.lines():
        sheet.write_string(r, 0, label, fmt.label)
        warn = label == "数据性质" and about.synthetic
        sheet.write_string(r, 1, text, fmt.warn if warn else fmt.wrap)
        r += 1
    for heading, frame, cols in (
        ("指标定义", about.indicators, INDICATOR_COLUMNS),
        ("数据来源", about.sources, SOURCE_COLUMNS),
    ):
        if frame.is_empty():
            continue
        cols = tuple(c for c in cols if c.name in frame.columns)
        r += 1
        sheet.write_string(r, 0, heading, fmt.title)
        r += 1
        for c, col in enumerate(cols):
            sheet.write_string(r, c, col.label, fmt.header)
        for row in frame.select([c.name for c in cols]).rows():
            r += 1
            for c, (value, col) in enumerate(zip(row, cols, strict=True)):
                _write_value(sheet, r, c, value, col, fmt)
        for c, col in enumerate(cols[2:], start=2):
            sheet.set_column(c, c, col.width or 14)


def to_xlsx(tables: list[Table], about: Provenance) -> bytes:
    """A workbook: one formatted sheet per table, then the 说明 sheet."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.set_properties(
        {
            "title": about.title,
            "subject": about.target_set or "",
            "author": "数据大脑",
            "comments": "模拟数据（synthetic demo data）" if about.synthetic else "",
            "created": _FIXED_CREATED,
        }
    )
    fmt = _Formats(book)
    used: set[str] = {"说明"}
    for table in tables:
        _write_table(book.add_worksheet(_sheet_name(table.title, used)), table, fmt)
    _write_about(book.add_worksheet("说明"), about, fmt)
    book.close()
    return buf.getvalue()


# --- provenance from the warehouse ---------------------------------------------------------------

POLARITY_WORDS = {"higher": "越高越好", "lower": "越低越好", "neutral": "无方向"}


def provenance(
    warehouse,
    *,
    title: str,
    indicators: list[str] | None = None,
    datasets: list[str] | None = None,
    as_of: dt.date | None = None,
    target_set: str | None = None,
    region: str | None = None,
    extra: tuple[tuple[str, str], ...] = (),
) -> Provenance:
    """The 说明 of an export: the given indicators' definitions and the files behind them.

    ``datasets`` defaults to the source datasets of ``indicators``; the newest load of each
    dataset is listed with its file name, SHA-256 and row counts.
    """
    tables = warehouse.table_names() if warehouse.exists() else set()
    defs = pl.DataFrame()
    if indicators and "catalog_indicators" in tables:
        catalog = default_catalog()
        defs = warehouse.query(
            "SELECT indicator, name_zh, unit, domain, polarity, description, sources, clause, "
            "responsible_units, compute FROM catalog_indicators WHERE indicator IN "
            f"({', '.join('?' * len(indicators))})",
            list(indicators),
        )
        order = {code: i for i, code in enumerate(indicators)}
        defs = (
            defs.with_columns(
                polarity_zh=pl.col("polarity").replace_strict(POLARITY_WORDS, default=""),
                formula=pl.col("indicator").map_elements(
                    lambda c: formula_text(catalog[c].compute) if c in catalog.indicators else "",
                    return_dtype=pl.String,
                ),
                _order=pl.col("indicator").replace_strict(order, default=len(order)),
            )
            .sort("_order")
            .drop("_order", "compute")
        )
        if datasets is None:
            datasets = sorted({s for src in defs["sources"].to_list() for s in src.split(",")})
    sources = pl.DataFrame()
    if "_loads" in tables:
        sources = warehouse.query(
            """
            SELECT dataset, file_name, sha256, rows, synthetic_rows, loaded_at
            FROM _loads
            QUALIFY row_number() OVER (PARTITION BY dataset ORDER BY load_id DESC) = 1
            ORDER BY dataset
            """
        )
        if datasets is not None:
            sources = sources.filter(pl.col("dataset").is_in(datasets))
    # demo rows counted where they are now (a later load of real files may replace only some)
    present = (
        {d["dataset"]: d["synthetic_rows"] for d in dataset_status(warehouse)} if tables else {}
    )
    wanted = present if datasets is None else {d: present.get(d, 0) for d in datasets}
    synthetic = any(n for n in wanted.values())
    computed_at = None
    if "_computed" in tables:
        computed = warehouse.query("SELECT max(computed_at) AS t FROM _computed")
        computed_at = computed["t"][0]
    return Provenance(
        title=title,
        as_of=as_of,
        target_set=target_set,
        region=region,
        synthetic=synthetic,
        data_version=warehouse.version() if warehouse.exists() else "",
        computed_at=computed_at,
        indicators=defs,
        sources=sources,
        extra=extra,
    )
