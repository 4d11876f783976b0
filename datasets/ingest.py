"""Ingestion: read a file, recognise its dataset, validate it against the schema, load it.

Accepted formats: CSV (UTF-8 with or without BOM, or GB18030; LF or CRLF), XLSX (first sheet)
and Parquet. Headers may be the column names or their Chinese labels.

Validation is *lazy*: every problem is collected (up to :data:`MAX_ISSUES` are listed) so the
person fixing a rejected file sees them all at once. Each message names the file, the row (as a
spreadsheet shows it: the header is row 1) and the column, in Chinese.

Loading is atomic: all files of one call are validated first and loaded in one warehouse write
(see :mod:`datasets.warehouse`); if any file fails, nothing is loaded. Re-loading a file that is
already loaded (same dataset, same sha256) changes nothing. Rows whose key already exists are
replaced by the newer file's rows (registries are re-submitted as they are updated).

Every row records when it arrived (``recorded_at``, transaction time; see docs/replays.md): the
file's own 入库时间 column when it has one, else the load time. A replaced row's new version
arrives at the new load time and the version it replaces is kept (``_superseded_<dataset>``,
valid until then), so what the warehouse held at any past moment can still be read; a
re-submitted row identical to the one held keeps its arrival. Rows loaded into an empty dataset
without an arrival time are its initial population (NULL: recorded when their events happened).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from datasets import config
from datasets.regions import region_codes
from datasets.schema import (
    RECORDED_COLUMN,
    RECORDED_LABEL,
    SYNTHETIC_COLUMN,
    Column,
    DatasetSchema,
    load_schemas,
    normalise_header,
)
from datasets.warehouse import Warehouse, superseded_table

MAX_ISSUES = 200
#: the issues a message lists (the rest are counted; all up to MAX_ISSUES stay in ``issues``)
MAX_SHOWN = 20
#: the longest text a cell may hold; a longer one is a paste gone wrong, not a registry entry
MAX_CELL_CHARS = 10_000
ROW = "_row"
FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".pq": "parquet"}
TRUE_WORDS = {"true", "t", "1", "yes", "y", "是", "涉密"}
FALSE_WORDS = {"false", "f", "0", "no", "n", "否", "非涉密"}
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S%.f"]
TIMESTAMP_FORMATS = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
]


# --------------------------------------------------------------------------- errors and results
# How to name a file's dataset when its headers do not tell: the messages carry the command
# line's way; the app's upload page swaps it for its own with :func:`for_web`.
CLI_DATASET_HINT = "请用 --dataset 指定数据集"
WEB_DATASET_HINT = "请在上传前从“数据集”列表中选择该文件所属的数据集（不要选“自动识别”）"
_WEB_TEXT = {CLI_DATASET_HINT: WEB_DATASET_HINT}


def for_web(text: str) -> str:
    """A message as the upload page shows it: the command line's hints in the page's terms."""
    for cli, web in _WEB_TEXT.items():
        text = text.replace(cli, web)
    return text


@dataclass(frozen=True)
class Issue:
    """One problem in a file. ``row`` is the spreadsheet row (header = 1); 0 = the whole file."""

    file: str
    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"文件「{self.file}」"
        if self.row:
            where += f" 第 {self.row} 行"
        if self.column:
            where += f" {self.column}"
        return f"{where}：{self.message}"


class IngestError(Exception):
    """A file (or several) was rejected; the warehouse was not changed."""

    def __init__(self, issues: Sequence[Issue], total: int | None = None):
        self.issues = list(issues)
        self.total = total if total is not None else len(self.issues)
        files = sorted({i.file for i in self.issues})
        lines = [f"{', '.join(files)} 未通过校验，共 {self.total} 处问题；数据仓库未作任何更改。"]
        shown = self.issues[:MAX_SHOWN]
        lines += [f"- {i}" for i in shown]
        if self.total > len(shown):
            lines.append(f"- ……另有 {self.total - len(shown):,} 处问题未列出")
        super().__init__("\n".join(lines))


@dataclass
class LoadResult:
    """What one file did to the warehouse."""

    dataset: str
    file_name: str
    sha256: str
    rows: int
    inserted: int = 0
    replaced: int = 0
    skipped: bool = False

    def summary(self) -> str:
        if self.skipped:
            return f"{self.file_name} → {self.dataset}：与已加载文件相同（sha256 {self.sha256[:12]}…），未重复加载"
        return (
            f"{self.file_name} → {self.dataset}：{self.rows} 行"
            f"（新增 {self.inserted}，替换 {self.replaced}）"
        )


@dataclass
class ParsedFile:
    """A file read as text columns, ready for validation."""

    name: str
    sha256: str
    size: int
    file_format: str
    frame: pl.DataFrame  # all Utf8 columns, renamed to schema names, plus _row
    raw_headers: dict[str, str] = field(default_factory=dict)  # schema name → header in file


# --------------------------------------------------------------------------- reading
def _line_at(data: bytes, pos: int) -> int:
    """The line (= spreadsheet row) a byte offset falls on; CR-only files count CRs."""
    head = data[:pos]
    return head.count(b"\n") + 1 if b"\n" in data else head.count(b"\r") + 1


# Characters that GB18030 decoding of another encoding's bytes produces and Chinese data does
# not: kana, Cyrillic, box drawing, private use, the rare ideographs of extension A (Greek is
# left out: μg/m³ is a unit).
_UNUSUAL = re.compile("[\u0400-\u04ff\u2500-\u257f\u3040-\u30ff\u3400-\u4dbf\ue000-\uf8ff]")
_HANZI = re.compile("[\u4e00-\u9fff]")


def _unusual_chars(text: str, limit: int = 200_000) -> list[int]:
    """Offsets of characters a Chinese file decoded as GB18030 would hardly contain: those of
    :data:`_UNUSUAL`, and ideographs outside GB2312 (Big5 and Shift-JIS bytes read as GB18030
    fall there); the first ``limit`` characters are looked at."""
    sample = text[:limit]
    found = [m.start() for m in _UNUSUAL.finditer(sample)]
    for m in _HANZI.finditer(sample):
        try:
            m.group().encode("gb2312")
        except UnicodeEncodeError:
            found.append(m.start())
    return sorted(found)


def _other_encoding(data: bytes) -> bool:
    """True when the bytes are valid Big5 or Shift-JIS."""
    for encoding in ("big5", "shift_jis"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _decode(data: bytes, name: str) -> str:
    """The file's text: UTF-8 (with or without BOM) or, failing that, GB18030 when it reads as
    plausible Chinese. Any other encoding is refused with the encodings tried, never guessed."""
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") or data[:2] in (
        b"\xff\xfe",
        b"\xfe\xff",
    ):
        raise IngestError(
            [Issue(name, 0, None, "文件编码为 UTF-16/UTF-32，请另存为 UTF-8 或 GB18030 编码的 CSV")]
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise IngestError(
            [
                Issue(
                    name,
                    _line_at(data, nul),
                    None,
                    "文件含有二进制内容（NUL 字节），不是文本 CSV 文件",
                )
            ]
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        bad_utf8 = utf8_error.start
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as gb_error:
        # a file that was UTF-8 up to the bad byte (Chinese already read) is a UTF-8 file with
        # a bad byte; otherwise it was meant as GB18030 and its bad byte is GB18030's
        utf8_so_far = any(b >= 0x80 for b in data[:bad_utf8])
        raise IngestError(
            [
                Issue(
                    name,
                    _line_at(data, bad_utf8 if utf8_so_far else gb_error.start),
                    None,
                    "无法识别文件编码：既不是 UTF-8 也不是 GB18030（第一个无效字节在此行），"
                    "请另存为 UTF-8 编码",
                )
            ]
        ) from None
    odd = _unusual_chars(text)
    chinese = len(_HANZI.findall(text[:200_000]))
    # a few rare characters are names (王喆); many, in a file that is valid Big5 or Shift-JIS,
    # are another encoding read as GB18030
    if len(odd) > max(5, 0.15 * chinese) and _other_encoding(data):
        first = odd[0]
        line = text[:first].count("\n") + 1 if "\n" in text else text[:first].count("\r") + 1
        sample = "".join(text[i] for i in odd[:6])
        raise IngestError(
            [
                Issue(
                    name,
                    line,
                    None,
                    f"无法确定文件编码：不是 UTF-8；按 GB18030 读出大量生僻字或日文、表格线等字符"
                    f"（如「{sample}」），可能是 Big5 或 Shift-JIS 编码。已尝试 UTF-8、GB18030，"
                    "请另存为 UTF-8 编码",
                )
            ]
        )
    return text


def _duplicate_headers(text: str, name: str) -> None:
    """A header written twice is refused as the file wrote it (polars would rename it)."""
    try:
        header = next(csv.reader(io.StringIO(text)), [])
    except csv.Error:
        raise IngestError([Issue(name, 1, None, "CSV 格式无法解析：表头行的引号未闭合")]) from None
    seen: dict[str, int] = {}
    issues = []
    for h in header:
        key = normalise_header(h)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2:
            issues.append(Issue(name, 1, f"「{h.strip()}」", "表头重复"))
    if issues:
        raise IngestError(issues)


def _records(reader, name: str):
    """The reader's records; a quote never closed is reported on the line it opened."""
    try:
        yield from reader
    except csv.Error:
        raise IngestError(
            [Issue(name, reader.line_num, None, "CSV 格式无法解析：引号未闭合")]
        ) from None


def _read_csv(data: bytes, name: str) -> pl.DataFrame:
    text = _decode(data, name)
    if not text.strip():
        raise IngestError([Issue(name, 0, None, "文件为空")])
    if "\r" in text and "\n" not in text:  # classic Mac line ends: one CR per line
        text = text.replace("\r", "\n")
    _duplicate_headers(text, name)
    try:
        return pl.read_csv(io.StringIO(text), infer_schema=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, pl.exceptions.ShapeError):
        # Find the malformed line with the csv module, which knows its line numbers.
        reader = csv.reader(io.StringIO(text))
        header = next(reader)
        for record in _records(reader, name):
            if record and len(record) != len(header):
                raise IngestError(
                    [
                        Issue(
                            name,
                            reader.line_num,
                            None,
                            f"字段数为 {len(record)}，与表头的 {len(header)} 列不一致",
                        )
                    ]
                ) from None
        raise IngestError([Issue(name, 0, None, "CSV 格式无法解析")]) from None


#: an xlsx is a zip: what it may inflate to, and how many times its compressed size
XLSX_MAX_INFLATED = 1024 * 1024 * 1024
XLSX_MAX_RATIO = 200


def _inflation(archive: zipfile.ZipFile) -> tuple[int, float]:
    """What the parts inflate to and their worst ratio, read in chunks (the sizes a zip
    declares can lie), stopping as soon as either is over its budget."""
    inflated, worst = 0, 0.0
    for part in archive.infolist():
        with archive.open(part) as stream:
            size = 0
            while chunk := stream.read(1 << 20):
                size += len(chunk)
                inflated += len(chunk)
                worst = max(worst, size / max(part.compress_size, 1))
                if inflated > XLSX_MAX_INFLATED or worst > XLSX_MAX_RATIO:
                    return inflated, worst
    return inflated, worst


def _check_zip(path: Path, name: str) -> None:
    """Refuse an xlsx that would inflate to more than :data:`XLSX_MAX_INFLATED` or whose parts
    are compressed more than :data:`XLSX_MAX_RATIO` times (a zip bomb), before inflating it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise IngestError(
            [Issue(name, 0, None, "无法读取 Excel 文件：不是有效的 xlsx（zip）文件")]
        ) from None
    try:
        with archive:
            inflated, worst = _inflation(archive)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        raise IngestError([Issue(name, 0, None, "无法读取 Excel 文件：压缩内容已损坏")]) from None
    if inflated > XLSX_MAX_INFLATED or worst > XLSX_MAX_RATIO:
        raise IngestError(
            [
                Issue(
                    name,
                    0,
                    None,
                    f"Excel 文件的压缩比超过 {XLSX_MAX_RATIO} 倍或解压后超过 "
                    f"{XLSX_MAX_INFLATED // 1024 // 1024:,} MB（解压到 "
                    f"{inflated / 1024 / 1024:,.0f} MB、{worst:,.0f} 倍时停止），"
                    "疑似压缩炸弹，未读取；请另存为 CSV 或拆分后上传",
                )
            ]
        )


def _read_xlsx(path: Path, name: str) -> pl.DataFrame:
    _check_zip(path, name)
    try:
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
    except Exception as exc:  # calamine raises its own types for broken workbooks
        raise IngestError([Issue(name, 0, None, f"无法读取 Excel 文件：{exc}")]) from None
    return frame.select(pl.all().cast(pl.String))


def _read_parquet(path: Path, name: str) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:
        raise IngestError([Issue(name, 0, None, f"无法读取 Parquet 文件：{exc}")]) from None
    return frame.select(
        [
            pl.col(c).dt.to_string("%Y-%m-%d %H:%M:%S%.f")
            if frame.schema[c] == pl.Datetime
            else pl.col(c).cast(pl.String)
            for c in frame.columns
        ]
    )


def read_file(path: str | Path, display_name: str | None = None) -> tuple[pl.DataFrame, dict]:
    """Read ``path`` into an all-text frame with a ``_row`` column (spreadsheet row numbers).

    Returns the frame and file facts (``name, sha256, size, file_format``).
    """
    path = Path(path)
    name = display_name or path.name
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(
            [
                Issue(
                    name, 0, None, f"不支持的文件类型「{path.suffix}」，请使用 CSV、XLSX 或 Parquet"
                )
            ]
        )
    data = path.read_bytes()
    facts = {
        "name": name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "file_format": fmt,
    }
    if not data:
        raise IngestError([Issue(name, 0, None, "文件为空")])
    if fmt == "csv":
        frame = _read_csv(data, name)
    elif fmt == "xlsx":
        frame = _read_xlsx(path, name)
    else:
        frame = _read_parquet(path, name)
    if frame.width == 0:
        raise IngestError([Issue(name, 0, None, "文件为空")])
    if frame.height == 0:
        raise IngestError([Issue(name, 0, None, "文件只有表头，没有数据行")])
    first_row = 2  # header is row 1 (CSV, XLSX); Parquet records are numbered the same way
    frame = frame.with_row_index(ROW, offset=first_row).with_columns(pl.col(ROW).cast(pl.Int64))
    return frame, facts


# --------------------------------------------------------------------------- recognising
def _mapped_headers(
    headers: Iterable[str], schema: DatasetSchema
) -> tuple[dict[str, str], list[str]]:
    aliases = schema.header_aliases()
    mapped, unknown = {}, []
    for h in headers:
        target = aliases.get(normalise_header(h))
        if target is None or target in mapped.values():
            unknown.append(h)
        else:
            mapped[h] = target
    return mapped, unknown


def _chinese_headers(mapped: dict[str, str]) -> bool:
    """True when most of a file's recognised headers (header → column name) are the Chinese
    labels, not the names."""
    by_name = sum(normalise_header(h) == normalise_header(c) for h, c in mapped.items())
    return 2 * by_name < len(mapped)


def _listed(names: Sequence[str], limit: int = 8, *, quoted: bool = False) -> str:
    """At most ``limit`` names, then how many more: 「a」、「b」…等 4,990 个."""
    shown = [f"「{n}」" if quoted else n for n in names[:limit]]
    more = len(names) - len(shown)
    return "、".join(shown) + (f" 等共 {len(names):,} 个" if more > 0 else "")


def recognise(frame: pl.DataFrame, name: str) -> str:
    """The dataset whose columns fit ``frame`` best; long-form statistics are told apart by the
    indicator codes they carry. Raises :class:`IngestError` naming the closest datasets."""
    headers = [c for c in frame.columns if c != ROW]
    scored = []
    for schema in load_schemas().values():
        mapped, unknown = _mapped_headers(headers, schema)
        missing = [c for c in schema.required_columns if c not in mapped.values()]
        fit = len(mapped) / max(len(headers), 1) - 0.5 * len(missing) / len(schema.required_columns)
        scored.append((fit, schema, mapped, unknown, missing))
    scored.sort(key=lambda s: -s[0])
    exact = [s for s in scored if not s[3] and not s[4]]
    if len(exact) == 1:
        return exact[0][1].name
    if len(exact) > 1 and all(s[1].long_form for s in exact):
        indicator_header = next(h for h, t in exact[0][2].items() if t == "indicator")
        indicators = frame[indicator_header].drop_nulls().unique().to_list()
        by_indicator = sorted(
            ((s[1].indicator_score(indicators), s[1].name) for s in exact), reverse=True
        )
        if by_indicator[0][0] > 0 and by_indicator[0][0] > by_indicator[1][0]:
            return by_indicator[0][1]
        raise IngestError(
            [
                Issue(
                    name,
                    0,
                    None,
                    "长表统计文件无法从指标代码判断属于哪个数据集（"
                    + " / ".join(n for _, n in by_indicator)
                    + "）。"
                    + CLI_DATASET_HINT,
                )
            ]
        )
    closest = []
    for _fit, schema, mapped, unknown, missing in scored[:3]:
        detail = []
        if missing:
            # named the way the file names its columns: a Chinese-headed file reads 列入清单日期
            chinese = _chinese_headers(mapped)
            names = [schema.column(c).label if chinese else c for c in missing]
            detail.append("缺少列 " + _listed(names))
        if unknown:
            detail.append("多余列 " + _listed(unknown))
        closest.append(f"{schema.name}（{schema.title}；{'；'.join(detail)}）")
    raise IngestError(
        [
            Issue(
                name,
                1,
                None,
                "无法根据表头识别数据集。最接近的是："
                + "；".join(closest)
                + "。"
                + CLI_DATASET_HINT,
            )
        ]
    )


# --------------------------------------------------------------------------- validating
def _issue_rows(
    frame: pl.DataFrame,
    mask: pl.Expr,
    file: str,
    column: Column | None,
    message,
    where: str | None = None,
) -> tuple[list[Issue], int]:
    """Issues for rows where ``mask`` holds; ``message`` maps the offending value to text.
    ``where`` names the column as the file does (default: name and label)."""
    bad = frame.filter(mask)
    if bad.height == 0:
        return [], 0
    shown = bad.head(MAX_ISSUES)
    values = shown[column.name].to_list() if column is not None else [None] * shown.height
    rows = shown[ROW].to_list()
    if where is None and column is not None:
        where = column.describe()
    return [
        Issue(file, r, where, message(v)) for r, v in zip(rows, values, strict=True)
    ], bad.height


def _parse_column(text: pl.Expr, column: Column) -> pl.Expr:
    if column.type in ("string", "enum"):
        return text
    if column.type == "region":
        return text.str.replace(r"\.0+$", "")
    if column.type == "integer":
        as_float = text.cast(pl.Float64, strict=False)
        # Kept as float until the bounds are checked, so 1e20 is reported as too large, not as
        # "not an integer"; cast to Int64 once the file has passed.
        return pl.when(as_float == as_float.round(0)).then(as_float).otherwise(None)
    if column.type == "number":
        value = text.cast(pl.Float64, strict=False)
        return pl.when(value.is_finite() | value.is_null()).then(value).otherwise(float("inf"))
    if column.type == "boolean":
        lowered = text.str.to_lowercase()
        return (
            pl.when(lowered.is_in(list(TRUE_WORDS)))
            .then(True)
            .when(lowered.is_in(list(FALSE_WORDS)))
            .then(False)
            .otherwise(None)
        )
    if column.type == "date":
        return pl.coalesce(
            [text.str.strptime(pl.Datetime("us"), f, strict=False) for f in DATE_FORMATS]
        ).dt.date()
    if column.type == "timestamp":
        formats = TIMESTAMP_FORMATS + DATE_FORMATS[:2]
        return pl.coalesce([text.str.strptime(pl.Datetime("us"), f, strict=False) for f in formats])
    raise AssertionError(column.type)


_TYPE_WORDS = {
    "integer": "整数",
    "number": "数值",
    "boolean": "是/否（是、否、true、false、1、0）",
    "date": "日期（如 2024-03-31）",
    "timestamp": "时间（如 2024-03-31 14:05:00）",
}


#: A caller's further checks of a dataset's typed rows (the indicator catalog's bounds, given
#: by the pipeline, which may import the catalog): (dataset, rows) → (how many problems, the
#: first :data:`MAX_ISSUES` of them as (row, column, message)).
Checks = Callable[[str, pl.DataFrame], tuple[int, list[tuple[int, str, str]]]]


def validate(
    parsed: ParsedFile,
    schema: DatasetSchema,
    *,
    today: dt.date | None = None,
    checks: Checks | None = None,
) -> pl.DataFrame:
    """Check ``parsed`` against ``schema``; return the typed frame or raise :class:`IngestError`.

    Checks: required columns and values, types, allowed values, bounds (negative counts, huge
    values), region codes, dates not after ``today``, date order, duplicate keys.
    """
    today = today or config.today()
    file, frame = parsed.name, parsed.frame
    issues: list[Issue] = []
    total = 0

    def add(rows: tuple[list[Issue], int]) -> None:
        nonlocal total
        issues.extend(rows[0])
        total += rows[1]

    # columns are named as the file names them (「实现日期」（achieved_date） for Chinese headers)
    chinese = _chinese_headers({h: c for c, h in parsed.raw_headers.items()})

    def named(c: Column) -> str:
        return c.named(parsed.raw_headers.get(c.name), chinese=chinese)

    def found(frame, mask, file, column, message) -> tuple[list[Issue], int]:
        return _issue_rows(frame, mask, file, column, message, named(column))

    text = frame.with_columns(
        [pl.col(c).str.strip_chars().replace("", None) for c in frame.columns if c != ROW]
    )
    if SYNTHETIC_COLUMN not in text.columns:
        text = text.with_columns(pl.lit("false").alias(SYNTHETIC_COLUMN))
    if RECORDED_COLUMN not in text.columns:
        text = text.with_columns(pl.lit(None, dtype=pl.String).alias(RECORDED_COLUMN))
    for c in schema.columns:
        if c.name not in text.columns:
            text = text.with_columns(pl.lit(None, dtype=pl.String).alias(c.name))

    typed = text.select(
        ROW,
        *[_parse_column(pl.col(c.name), c).alias(c.name) for c in schema.columns],
        _parse_column(pl.col(SYNTHETIC_COLUMN), _SYNTHETIC)
        .fill_null(False)
        .alias(SYNTHETIC_COLUMN),
        _parse_column(pl.col(RECORDED_COLUMN), _RECORDED).alias(RECORDED_COLUMN),
    )
    codes = list(region_codes())
    for c in [*schema.columns, _RECORDED]:
        raw, val = pl.col(c.name), pl.col(f"__typed_{c.name}")
        both = text.select(ROW, c.name).with_columns(typed[c.name].alias(f"__typed_{c.name}"))
        if c.required:
            add(found(both, raw.is_null(), file, c, lambda v: "必填项为空"))
        if c.type in _TYPE_WORDS:
            word = _TYPE_WORDS[c.type]
            add(
                found(
                    both,
                    raw.is_not_null() & val.is_null(),
                    file,
                    c,
                    lambda v, w=word: f"「{v}」不是有效的{w}",
                )
            )
        if c.type == "enum":
            allowed = list(c.values)
            add(
                found(
                    both,
                    raw.is_not_null() & ~raw.is_in(allowed),
                    file,
                    c,
                    lambda v, a=allowed: f"「{v}」不在允许值内（{'、'.join(a)}）",
                )
            )
        if c.type == "region":
            add(
                found(
                    both,
                    raw.is_not_null() & ~val.is_in(codes),
                    file,
                    c,
                    lambda v: f"未知的行政区划代码「{v}」（应为江苏省内 6 位 GB/T 2260 代码）",
                )
            )
        if c.type in ("integer", "number"):
            if c.type == "number":
                add(
                    found(
                        both,
                        val.is_infinite() | val.is_nan(),
                        file,
                        c,
                        lambda v: f"「{v}」不是有限数值",
                    )
                )
            finite = val.is_not_null() & val.is_finite()
            if c.min is not None:
                low = "不能为负数" if c.min == 0 else f"不能小于 {c.min:g}"
                add(found(both, finite & (val < c.min), file, c, lambda v, m=low: f"「{v}」{m}"))
            if c.max is not None:
                add(
                    found(
                        both,
                        finite & (val > c.max),
                        file,
                        c,
                        lambda v, m=c.max: f"数值「{v}」过大（上限 {m:g}），请检查单位或录入错误",
                    )
                )
        if c.not_future:
            limit = today if c.type == "date" else dt.datetime.combine(today, dt.time.max)
            add(
                found(
                    both,
                    val > limit,
                    file,
                    c,
                    lambda v: f"日期「{v}」晚于今天（{today.isoformat()}），不能是未来日期",
                )
            )
        # order within a row: a date not before another, a part not above its total
        for other_column, wrong, says in (
            (c.not_before, val < pl.col("__other"), "「{v}」早于{o}"),
            (c.not_above, val > pl.col("__other"), "「{v}」大于同一行的{o}，部分不能超过总数"),
        ):
            if other_column:
                other = named(schema.column(other_column))
                pair = both.with_columns(typed[other_column].alias("__other"))
                add(
                    found(
                        pair,
                        wrong,
                        file,
                        c,
                        lambda v, o=other, t=says: t.format(v=_show(v), o=o),
                    )
                )
        if c.type in ("string", "enum", "region"):
            add(
                found(
                    both,
                    raw.str.len_chars() > MAX_CELL_CHARS,
                    file,
                    c,
                    lambda v: f"文本过长（{len(v):,} 个字符，上限 {MAX_CELL_CHARS:,}）",
                )
            )
            add(found(both, raw.str.contains("\x00", literal=True), file, c, _nul_message))
    # the 模拟数据 flag is a yes or a no, never a guess
    flag = pl.col(SYNTHETIC_COLUMN)
    add(
        _issue_rows(
            text,
            flag.is_not_null() & _parse_column(flag, _SYNTHETIC).is_null(),
            file,
            _SYNTHETIC,
            lambda v: f"「{v}」不是有效的{_TYPE_WORDS['boolean']}",
            _SYNTHETIC.named(parsed.raw_headers.get(SYNTHETIC_COLUMN), chinese=chinese),
        )
    )
    if schema.long_form and schema.indicator_patterns:
        # a statistic of any long table's families: real files mix economic and governance
        # statistics, and are filed under the family most of their rows belong to
        patterns = [p for sch in load_schemas().values() for p in sch.indicator_patterns]
        code = pl.col("indicator")
        known = code.map_elements(
            lambda v: bool(_CODE.match(v)) and any(p.match(v) for p in patterns),
            return_dtype=pl.Boolean,
        )
        add(
            found(
                text.select(ROW, "indicator"),
                code.is_not_null() & ~known,
                file,
                schema.column("indicator"),
                lambda v: (
                    f"未知的指标代码「{v}」：不是任何统计长表（经济运行、社会治理与数字政府）的指标"
                ),
            )
        )
    count, found_rows = checks(schema.name, typed) if checks else (0, [])
    for row, column, message in found_rows[:MAX_ISSUES]:
        where = named(schema.column(column)) if column in schema.column_names else column
        issues.append(Issue(file, row, where, message))
    total += count
    # Duplicate keys inside the file.
    keyed = typed.select(ROW, *schema.key)
    dup = keyed.with_columns(pl.col(ROW).min().over(list(schema.key)).alias("__first")).filter(
        pl.col(ROW) != pl.col("__first")
    )
    if dup.height:
        # the key's columns as the file names them
        heads = {
            k: parsed.raw_headers.get(k) or (schema.column(k).label if chinese else k)
            for k in schema.key
        }
        key_text = "、".join(heads.values())
        shown = dup.head(MAX_ISSUES)
        for r in shown.iter_rows(named=True):
            values = "，".join(f"{heads[k]}={_show(r[k])}" for k in schema.key if r[k] is not None)
            issues.append(
                Issue(
                    file,
                    r[ROW],
                    None,
                    f"主键（{key_text}）重复：{values} 已在第 {r['__first']} 行出现",
                )
            )
        total += dup.height
    if issues:
        issues.sort(key=lambda i: (i.row, i.column or ""))
        raise IngestError(issues, total)
    return typed.with_columns(
        [pl.col(c.name).cast(pl.Int64) for c in schema.columns if c.type == "integer"]
    )


_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _nul_message(value) -> str:
    return "含有 NUL 控制字符（二进制内容）"


def _show(value) -> str:
    """A key value as a person wrote it (integers parsed as floats shown without ``.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_SYNTHETIC = Column(name=SYNTHETIC_COLUMN, label="是否模拟数据", type="boolean")
_RECORDED = Column(name=RECORDED_COLUMN, label=RECORDED_LABEL, type="timestamp", not_future=True)


def parse(
    path: str | Path, dataset: str | None = None, *, display_name: str | None = None
) -> tuple[ParsedFile, DatasetSchema]:
    """Read ``path``, decide its dataset (``dataset`` or recognised) and map its headers."""
    frame, facts = read_file(path, display_name)
    name = facts["name"]
    schemas = load_schemas()
    if dataset is None:
        dataset = recognise(frame, name)
    elif dataset not in schemas:
        raise IngestError(
            [Issue(name, 0, None, f"未知数据集「{dataset}」。可用：{', '.join(schemas)}")]
        )
    schema = schemas[dataset]
    headers = [c for c in frame.columns if c != ROW]
    counts: dict[str, int] = {}
    for h in headers:
        counts[normalise_header(h)] = counts.get(normalise_header(h), 0) + 1
    issues = [
        Issue(name, 1, f"「{h}」", "表头重复") for h in headers if counts[normalise_header(h)] > 1
    ]
    mapped, unknown = _mapped_headers(headers, schema)
    # a column headed twice, once by its name and once by its label
    aliases = schema.header_aliases()
    again = [h for h in unknown if aliases.get(normalise_header(h)) in mapped.values()]
    for h in again:
        first = next(k for k, v in mapped.items() if v == aliases[normalise_header(h)])
        issues.append(Issue(name, 1, f"「{h}」", f"表头重复：与「{first}」是同一列"))
    unknown = [h for h in unknown if h not in again]
    if len(unknown) == 1:
        issues.append(
            Issue(
                name,
                1,
                f"「{unknown[0]}」",
                f"多余的列：数据集 {dataset}（{schema.title}）没有这一列",
            )
        )
    elif unknown:  # one issue for them all, however many
        issues.append(
            Issue(
                name,
                1,
                None,
                f"多余的列 {len(unknown):,} 个：{_listed(unknown, quoted=True)}；"
                f"数据集 {dataset}（{schema.title}）没有这些列",
            )
        )
    missing = [schema.column(c) for c in schema.required_columns if c not in mapped.values()]
    chinese = _chinese_headers(mapped)
    issues += [
        Issue(name, 1, c.named(chinese=chinese), f"缺少必需的列（数据集 {dataset}）")
        for c in missing
    ]
    if issues:
        raise IngestError(issues)
    frame = frame.rename(mapped)
    parsed = ParsedFile(
        name=name,
        sha256=facts["sha256"],
        size=facts["size"],
        file_format=facts["file_format"],
        frame=frame,
        raw_headers={v: k for k, v in mapped.items()},
    )
    return parsed, schema


# --------------------------------------------------------------------------- loading
def load_time(today: dt.date | None = None) -> dt.datetime:
    """The time a load records: now, on the pinned day when ``today`` (or ``DATABRAIN_TODAY``)
    says which day it is — so rows arrive within the horizon the engine computes to."""
    now = dt.datetime.now().replace(microsecond=0)
    return dt.datetime.combine(today or config.today(), now.time())


def _load(
    con,
    schema: DatasetSchema,
    parsed: ParsedFile,
    typed: pl.DataFrame,
    load_id: int,
    *,
    loaded_at: dt.datetime,
    initial: bool,
) -> LoadResult:
    """Replace rows with the same key, insert the rest, record the load. Each row's arrival is
    the file's own, else the load time (NULL for a dataset's initial population); a row
    identical to the one it replaces keeps that one's arrival."""
    cols = schema.column_names + [SYNTHETIC_COLUMN]
    arrival = pl.col(RECORDED_COLUMN)
    if not initial:
        arrival = arrival.fill_null(loaded_at)
    incoming = typed.select(*cols, arrival.cast(pl.Datetime("us")).alias(RECORDED_COLUMN))
    con.register("_incoming", incoming.to_arrow())
    try:
        match = " AND ".join(f't."{k}" IS NOT DISTINCT FROM i."{k}"' for k in schema.key)
        source = "_incoming"
        if not initial:
            # arrival of re-submitted identical rows: the one already held
            same = " AND ".join(f't."{c}" IS NOT DISTINCT FROM i."{c}"' for c in cols)
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _incoming_kept AS "
                f"SELECT i.* REPLACE (CASE WHEN t._held THEN t.{RECORDED_COLUMN} "
                f"ELSE i.{RECORDED_COLUMN} END AS {RECORDED_COLUMN}) "
                f'FROM _incoming i LEFT JOIN (SELECT *, TRUE AS _held FROM "{schema.name}") t '
                f"ON {same}"
            )
            source = "_incoming_kept"
        # the versions being replaced stay valid, in transaction time, until the new ones arrive
        differs = " OR ".join(f't."{c}" IS DISTINCT FROM i."{c}"' for c in cols)
        con.execute(
            f'INSERT INTO "{superseded_table(schema.name)}" '
            f'SELECT t.*, i.{RECORDED_COLUMN} FROM "{schema.name}" t JOIN {source} i ON {match} '
            f"WHERE i.{RECORDED_COLUMN} IS NOT NULL AND ({differs}) "
            f"AND (t.{RECORDED_COLUMN} IS NULL OR t.{RECORDED_COLUMN} < i.{RECORDED_COLUMN})"
        )
        replaced = con.execute(
            f'DELETE FROM "{schema.name}" t WHERE EXISTS (SELECT 1 FROM _incoming i WHERE {match})'
        ).fetchall()[0][0]
        col_list = ", ".join(f'"{c}"' for c in cols)
        con.execute(
            f'INSERT INTO "{schema.name}" ({col_list}, _load_id, {RECORDED_COLUMN}) '
            f"SELECT {col_list}, ?, {RECORDED_COLUMN} FROM {source}",
            [load_id],
        )
    finally:
        con.unregister("_incoming")
        con.execute("DROP TABLE IF EXISTS _incoming_kept")
    synthetic = int(incoming[SYNTHETIC_COLUMN].sum())
    con.execute(
        "INSERT INTO _loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            schema.name,
            parsed.name,
            parsed.sha256,
            parsed.size,
            parsed.file_format,
            incoming.height,
            incoming.height - replaced,
            replaced,
            synthetic,
            loaded_at,
        ],
    )
    return LoadResult(
        schema.name,
        parsed.name,
        parsed.sha256,
        incoming.height,
        incoming.height - replaced,
        replaced,
    )


def ingest(
    paths: Sequence[str | Path],
    dataset: str | None = None,
    *,
    warehouse: Warehouse | None = None,
    today: dt.date | None = None,
    display_names: Sequence[str] | None = None,
    fresh: bool = False,
    after_load: Callable[[object], object] | None = None,
    checks: Checks | None = None,
) -> list[LoadResult]:
    """Validate every file, then load them all in one atomic warehouse write.

    ``after_load(con)`` runs inside the same write after the rows are in (the CLI and the app
    pass :func:`indicators.engine.materialise`), so derived tables never lag the data they come
    from: a failure there rolls the whole load back.

    ``checks`` adds the caller's checks of each file's typed rows (:data:`Checks`).

    ``display_names`` replaces the file names in messages and provenance (for uploads, whose
    temporary path means nothing to the user). ``fresh=True`` builds a new warehouse holding
    only these files (used to rebuild the demo). Raises :class:`IngestError` with every file's
    issues if any file is rejected; then the warehouse is exactly as it was.
    """
    warehouse = warehouse or Warehouse()
    names = list(display_names) if display_names else [None] * len(paths)
    checked, all_issues, total = [], [], 0
    for path, shown in zip(paths, names, strict=True):
        try:
            parsed, schema = parse(path, dataset, display_name=shown)
            typed = validate(parsed, schema, today=today, checks=checks)
            checked.append((parsed, schema, typed))
        except IngestError as err:
            all_issues.extend(err.issues)
            total += err.total
    if all_issues:
        raise IngestError(all_issues, total)
    results = []
    loaded_at = load_time(today)
    with warehouse.writer(fresh=fresh) as staging:
        con = staging.con
        next_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM _loads").fetchall()[0][0]
        # a dataset empty before this call receives its initial population
        initial = {
            schema.name
            for schema in {s.name: s for _, s, _ in checked}.values()
            if con.execute(f'SELECT count(*) FROM "{schema.name}"').fetchall()[0][0] == 0
        }
        for parsed, schema, typed in checked:
            seen = con.execute(
                "SELECT count(*) FROM _loads WHERE dataset = ? AND sha256 = ?",
                [schema.name, parsed.sha256],
            ).fetchall()[0][0]
            if seen:
                results.append(
                    LoadResult(schema.name, parsed.name, parsed.sha256, typed.height, skipped=True)
                )
                continue
            results.append(
                _load(
                    con,
                    schema,
                    parsed,
                    typed,
                    next_id,
                    loaded_at=loaded_at,
                    initial=schema.name in initial,
                )
            )
            next_id += 1
        if not fresh and all(r.skipped for r in results):
            staging.discard()
        elif after_load is not None:
            after_load(con)
    return results
