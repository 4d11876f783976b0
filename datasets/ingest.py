"""Ingestion: read a file, recognise its dataset, validate it against the schema, load it.

Accepted formats: CSV (UTF-8 with or without BOM, or GB18030; LF or CRLF), XLSX (first sheet)
and Parquet. Headers may be the column names or their Chinese labels.

Validation is *lazy*: every problem is collected (up to :data:`MAX_ISSUES` are listed) so the
person fixing a rejected file sees them all at once. Each message names the file, the row (as a
spreadsheet shows it: the header is row 1) and the column, in Chinese.

Validation *streams*, so memory follows a chunk of rows, not the file: a CSV's bytes are hashed,
checked and (when not UTF-8) transcoded a block at a time; the rows are typed and every rule is
evaluated in one lazy polars pass that writes a Parquet spill; the problems are read back from
the spill, keys are compared one hash share at a time, and the load reads the spill in DuckDB.
Spills live in a temporary directory per call (``databrain-ingest-<pid>-…``); the next ingest
sweeps those of processes that were killed.

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

import codecs
import csv
import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
import weakref
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from polars.io.plugins import register_io_source

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
    """A file opened as text columns, ready for validation. ``source`` is lazy: validation
    streams it in chunks, so memory follows a chunk, not the file."""

    name: str
    sha256: str
    size: int
    file_format: str
    source: pl.LazyFrame  # all String columns, renamed to schema names, plus _row
    workdir: Path  # where the file's spills live
    text_path: Path  # the file as read: itself, or its UTF-8 transcoding
    raw_headers: dict[str, str] = field(default_factory=dict)  # schema name → header in file


# --------------------------------------------------------------------------- reading
#: bytes read at a time when a file is hashed, checked and transcoded
BLOCK = 8 * 1024 * 1024
#: the temporary directories of ingests: ``<prefix><pid>-<random>`` (a file's spills inside)
SPILL_PREFIX = "databrain-ingest-"
#: the characters of a decoded CSV looked at to tell GB18030 Chinese from another encoding
SAMPLE_CHARS = 200_000


def _blocks(path: Path, *, skip: int = 0) -> Iterator[bytes]:
    """The file's bytes from ``skip`` on, :data:`BLOCK` at a time."""
    with open(path, "rb") as f:
        f.seek(skip)
        while block := f.read(BLOCK):
            yield block


def _line_of_offset(path: Path, pos: int, cr_only: bool) -> int:
    """The line a byte offset of a file falls on, counted without reading the file at once."""
    end = b"\r" if cr_only else b"\n"
    seen, lines = 0, 1
    for block in _blocks(path):
        take = block[: max(pos - seen, 0)]
        lines += take.count(end)
        seen += len(block)
        if seen >= pos:
            break
    return lines


# Characters that GB18030 decoding of another encoding's bytes produces and Chinese data does
# not: kana, Cyrillic, box drawing, private use, the rare ideographs of extension A (Greek is
# left out: μg/m³ is a unit).
_UNUSUAL = re.compile("[\u0400-\u04ff\u2500-\u257f\u3040-\u30ff\u3400-\u4dbf\ue000-\uf8ff]")
_HANZI = re.compile("[\u4e00-\u9fff]")


def _unusual_chars(sample: str) -> list[int]:
    """Offsets of characters a Chinese file decoded as GB18030 would hardly contain: those of
    :data:`_UNUSUAL`, and ideographs outside GB2312 (Big5 and Shift-JIS bytes read as GB18030
    fall there)."""
    found = [m.start() for m in _UNUSUAL.finditer(sample)]
    for m in _HANZI.finditer(sample):
        try:
            m.group().encode("gb2312")
        except UnicodeEncodeError:
            found.append(m.start())
    return sorted(found)


def _decodes_as(path: Path, encoding: str, skip: int = 0) -> bool:
    """True when the whole file after ``skip`` bytes decodes in ``encoding`` (read block by
    block)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for block in _blocks(path, skip=skip):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@dataclass
class _Scan:
    """What one pass over a CSV's bytes found (offsets count from the file's first byte)."""

    sha256: str
    size: int
    bom: bool = False
    nul: int = -1  # offset of the first NUL byte
    bad_utf8: int = -1  # offset of the first byte that is not UTF-8
    first_high: int = -1  # offset of the first byte ≥ 0x80 after the BOM
    has_lf: bool = False
    has_cr: bool = False
    blank: bool = True  # nothing but whitespace

    @property
    def utf8_so_far(self) -> bool:
        """Non-ASCII bytes (Chinese read as UTF-8) before the first bad byte."""
        return 0 <= self.first_high < self.bad_utf8


_HIGH = re.compile(rb"[\x80-\xff]")


def _scan(path: Path) -> _Scan:
    """Hash the file and look for NUL bytes, line ends and the first byte UTF-8 cannot read,
    one block at a time."""
    with open(path, "rb") as f:
        bom = f.read(3) == b"\xef\xbb\xbf"
    start = 3 if bom else 0
    digest, decoder = hashlib.sha256(), codecs.getincrementaldecoder("utf-8")()
    found = _Scan(sha256="", size=0, bom=bom)
    if bom:
        digest.update(b"\xef\xbb\xbf")
    offset = start
    for block in _blocks(path, skip=start):
        digest.update(block)
        if found.nul < 0 and (at := block.find(b"\x00")) >= 0:
            found.nul = offset + at
        if found.first_high < 0 and (high := _HIGH.search(block)):
            found.first_high = offset + high.start()
        found.has_lf = found.has_lf or b"\n" in block
        found.has_cr = found.has_cr or b"\r" in block
        if found.blank and block.decode("utf-8", "replace").strip():
            found.blank = False
        if found.bad_utf8 < 0:
            try:
                decoder.decode(block)
            except UnicodeDecodeError as err:
                # err.start counts from the bytes the decoder held back from earlier blocks
                found.bad_utf8 = offset + err.start - len(decoder.getstate()[0])
        offset += len(block)
    if found.bad_utf8 < 0:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            found.bad_utf8 = offset - len(decoder.getstate()[0])
    found.sha256, found.size = digest.hexdigest(), offset
    return found


def _transcode(path: Path, out: Path, encoding: str, *, skip: int, cr_only: bool) -> str:
    """Write the file as UTF-8 with LF line ends, block by block; return its first
    :data:`SAMPLE_CHARS` characters. Raises UnicodeDecodeError (offset into the file)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    sample, offset = [], skip
    kept = 0
    with open(out, "w", encoding="utf-8", newline="") as sink:
        for block in _blocks(path, skip=skip):
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError as err:
                # err.object is what the decoder looked at: held-back bytes, then this block
                held = len(err.object) - len(block)
                raise UnicodeDecodeError(
                    encoding, b"", offset + err.start - held, 0, err.reason
                ) from None
            offset += len(block)
            if cr_only:
                text = text.replace("\r", "\n")
            if kept < SAMPLE_CHARS:
                sample.append(text[: SAMPLE_CHARS - kept])
                kept += len(sample[-1])
            sink.write(text)
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError as err:
            raise UnicodeDecodeError(
                encoding, b"", offset - len(decoder.getstate()[0]), 0, err.reason
            ) from None
        sink.write(tail.replace("\r", "\n") if cr_only else tail)
    return "".join(sample)


def _utf8_csv(path: Path, name: str, workdir: Path) -> tuple[Path, _Scan]:
    """The CSV as a UTF-8 file with LF (or CRLF) line ends — the file itself when it is one, a
    transcoded copy in ``workdir`` otherwise — after refusing what must not be guessed: UTF-16,
    binary content, bytes that are neither UTF-8 nor plausible GB18030 Chinese."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") or head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise IngestError(
            [Issue(name, 0, None, "文件编码为 UTF-16/UTF-32，请另存为 UTF-8 或 GB18030 编码的 CSV")]
        )
    scan = _scan(path)
    cr_only = scan.has_cr and not scan.has_lf
    if scan.nul >= 0:
        raise IngestError(
            [
                Issue(
                    name,
                    _line_of_offset(path, scan.nul, cr_only),
                    None,
                    "文件含有二进制内容（NUL 字节），不是文本 CSV 文件",
                )
            ]
        )
    if scan.blank:
        raise IngestError([Issue(name, 0, None, "文件为空")])
    if scan.bad_utf8 < 0 and not scan.bom and not cr_only:
        return path, scan
    out = workdir / "utf8.csv"
    skip = 3 if scan.bom else 0
    if scan.bad_utf8 < 0:  # UTF-8 with a BOM, or classic Mac line ends (one CR per line)
        _transcode(path, out, "utf-8", skip=skip, cr_only=cr_only)
        return out, scan
    try:
        sample = _transcode(path, out, "gb18030", skip=skip, cr_only=cr_only)
    except UnicodeDecodeError as gb_error:
        # a file that was UTF-8 up to the bad byte (Chinese already read) is a UTF-8 file with
        # a bad byte; otherwise it was meant as GB18030 and its bad byte is GB18030's
        bad = scan.bad_utf8 if scan.utf8_so_far else gb_error.start
        raise IngestError(
            [
                Issue(
                    name,
                    _line_of_offset(path, bad, cr_only),
                    None,
                    "无法识别文件编码：既不是 UTF-8 也不是 GB18030（第一个无效字节在此行），"
                    "请另存为 UTF-8 编码",
                )
            ]
        ) from None
    odd = _unusual_chars(sample)
    chinese = len(_HANZI.findall(sample))
    # a few rare characters are names (王喆); many, in a file that is valid Big5 or Shift-JIS,
    # are another encoding read as GB18030
    if len(odd) > max(5, 0.15 * chinese) and any(
        _decodes_as(path, e, skip) for e in ("big5", "shift_jis")
    ):
        first = odd[0]
        line = sample[:first].count("\n") + 1
        shown = "".join(sample[i] for i in odd[:6])
        raise IngestError(
            [
                Issue(
                    name,
                    line,
                    None,
                    f"无法确定文件编码：不是 UTF-8；按 GB18030 读出大量生僻字或日文、表格线等字符"
                    f"（如「{shown}」），可能是 Big5 或 Shift-JIS 编码。已尝试 UTF-8、GB18030，"
                    "请另存为 UTF-8 编码",
                )
            ]
        )
    return out, scan


def _csv_header(path: Path, name: str) -> list[str]:
    """The header as the file writes it; a header written twice is refused as written
    (polars would rename the second)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        try:
            header = next(csv.reader(f), [])
        except csv.Error:
            raise IngestError(
                [Issue(name, 1, None, "CSV 格式无法解析：表头行的引号未闭合")]
            ) from None
    seen: dict[str, int] = {}
    issues = []
    for h in header:
        key = normalise_header(h)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2:
            issues.append(Issue(name, 1, f"「{h.strip()}」", "表头重复"))
    if issues:
        raise IngestError(issues)
    return header


def _records(reader, name: str):
    """The reader's records; a quote never closed is reported on the line it opened."""
    try:
        yield from reader
    except csv.Error:
        raise IngestError(
            [Issue(name, reader.line_num, None, "CSV 格式无法解析：引号未闭合")]
        ) from None


def _malformed(path: Path, name: str) -> IngestError:
    """Where polars could not read a CSV: the first record whose field count differs from the
    header's, found with the csv module (which knows line numbers) one record at a time."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        for record in _records(reader, name):
            if record and len(record) != len(header):
                return IngestError(
                    [
                        Issue(
                            name,
                            reader.line_num,
                            None,
                            f"字段数为 {len(record)}，与表头的 {len(header)} 列不一致",
                        )
                    ]
                )
    return IngestError([Issue(name, 0, None, "CSV 格式无法解析")])


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


def _open_xlsx(path: Path, name: str) -> pl.LazyFrame:
    """The first sheet, as text. A workbook is read whole (its size is capped by
    :func:`_check_zip`); CSV and Parquet are streamed."""
    _check_zip(path, name)
    try:
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
    except Exception as exc:  # calamine raises its own types for broken workbooks
        raise IngestError([Issue(name, 0, None, f"无法读取 Excel 文件：{exc}")]) from None
    return frame.select(pl.all().cast(pl.String)).lazy()


#: rows of a Parquet file decoded at a time
PARQUET_BATCH_ROWS = 100_000


def _parquet_text(batch: pl.DataFrame) -> pl.DataFrame:
    return batch.select(
        [
            pl.col(c).dt.to_string("%Y-%m-%d %H:%M:%S%.f")
            if isinstance(dtype, pl.Datetime)
            else pl.col(c).cast(pl.String)
            for c, dtype in batch.schema.items()
        ]
    )


def _open_parquet(path: Path, name: str) -> pl.LazyFrame:
    """The file as text, decoded :data:`PARQUET_BATCH_ROWS` rows at a time by pyarrow (polars'
    own Parquet scan holds several whole row groups at once, and a file's row groups can be
    millions of rows)."""
    try:
        columns = pq.ParquetFile(path).schema_arrow.names
    except (pa.ArrowException, OSError) as exc:
        raise IngestError([Issue(name, 0, None, f"无法读取 Parquet 文件：{exc}")]) from None

    def batches(with_columns, predicate, n_rows, batch_size) -> Iterator[pl.DataFrame]:
        wanted = with_columns or columns
        with pq.ParquetFile(path) as f:
            for batch in f.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=wanted):
                frame = _parquet_text(pl.from_arrow(pa.Table.from_batches([batch])))
                if predicate is not None:
                    frame = frame.filter(predicate)
                if n_rows is not None:
                    frame = frame.head(n_rows)
                    n_rows -= frame.height
                yield frame
                if n_rows is not None and n_rows <= 0:
                    return

    return register_io_source(batches, schema=dict.fromkeys(columns, pl.String))


def _unreadable(name: str, file_format: str, path: Path, exc: Exception) -> IngestError:
    """The message for a file polars failed on while streaming it."""
    if file_format == "csv":
        return _malformed(path, name)
    kind = "Excel" if file_format == "xlsx" else "Parquet"
    return IngestError([Issue(name, 0, None, f"无法读取 {kind} 文件：{exc}")])


_READ_ERRORS = (pl.exceptions.PolarsError, pa.ArrowException, OSError)


def open_file(
    path: str | Path, display_name: str | None = None, *, workdir: Path
) -> tuple[pl.LazyFrame, dict]:
    """Open ``path`` as a lazy all-text frame with a ``_row`` column (spreadsheet row
    numbers), streamed when validated; CSV files that are not UTF-8 are transcoded into
    ``workdir`` first.

    Returns the frame and file facts (``name, sha256, size, file_format, text_path``).
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
    if path.stat().st_size == 0:
        raise IngestError([Issue(name, 0, None, "文件为空")])
    text_path = path
    if fmt == "csv":
        text_path, scan = _utf8_csv(path, name, workdir)
        _csv_header(text_path, name)
        source = pl.scan_csv(text_path, infer_schema=False)
        sha256 = scan.sha256
    else:
        with open(path, "rb") as f:
            sha256 = hashlib.file_digest(f, "sha256").hexdigest()
        source = _open_xlsx(path, name) if fmt == "xlsx" else _open_parquet(path, name)
    facts = {
        "name": name,
        "sha256": sha256,
        "size": path.stat().st_size,
        "file_format": fmt,
        "text_path": text_path,
    }
    try:
        columns = source.collect_schema().names()
        first = source.head(1).collect(engine="streaming")
    except _READ_ERRORS as exc:
        raise _unreadable(name, fmt, text_path, exc) from None
    if not columns:
        raise IngestError([Issue(name, 0, None, "文件为空")])
    if first.height == 0:
        raise IngestError([Issue(name, 0, None, "文件只有表头，没有数据行")])
    first_row = 2  # header is row 1 (CSV, XLSX); Parquet records are numbered the same way
    source = source.with_row_index(ROW, offset=first_row).with_columns(pl.col(ROW).cast(pl.Int64))
    return source, facts


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


def recognise(source: pl.LazyFrame, name: str) -> str:
    """The dataset whose columns fit ``source`` best; long-form statistics are told apart by the
    indicator codes they carry. Raises :class:`IngestError` naming the closest datasets."""
    headers = [c for c in source.collect_schema().names() if c != ROW]
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
        codes = source.select(pl.col(indicator_header).drop_nulls().unique())
        indicators = codes.collect(engine="streaming").to_series().to_list()
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
    if not any(s[2] for s in scored):  # no header is any dataset's column: nothing is closest
        raise IngestError(
            [
                Issue(
                    name,
                    1,
                    None,
                    f"无法根据表头识别数据集：表头 {_listed(headers, quoted=True)} "
                    "都不是任何数据集的列名（列名或中文列名，见“数据集”说明）。" + CLI_DATASET_HINT,
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
#: by the pipeline, which may import the catalog): (dataset, rows as a lazy frame) → (how many
#: problems, the first :data:`MAX_ISSUES` of them as (row, column, message)).
Checks = Callable[[str, pl.LazyFrame], tuple[int, list[tuple[int, str, str]]]]


@dataclass
class Typed:
    """A file's rows as validated, spilled to Parquet beside its other spills: the schema's
    columns typed (integers still as floats), the 模拟数据 flag and the arrival time."""

    path: Path
    rows: int
    synthetic: int

    def scan(self, columns: Sequence[str]) -> pl.LazyFrame:
        return pl.scan_parquet(self.path).select(ROW, *columns)


@dataclass(frozen=True)
class _Rule:
    """One check of every row: where ``mask`` holds, the row gets ``message(value)``, the value
    read from ``shown`` (the column's text as written)."""

    mask: pl.Expr
    where: str | None
    shown: str | None
    message: Callable[[object], str]


def _raw(c: Column) -> str:
    """The spill column holding ``c``'s text as written (its own when typing keeps it)."""
    return c.name if c.type in ("string", "enum") else f"__raw_{c.name}"


def _rules(schema: DatasetSchema, named: Callable[[Column], str], today: dt.date) -> list[_Rule]:
    """The row checks of ``schema``, over the spill's typed and raw columns."""
    rules: list[_Rule] = []
    codes = list(region_codes())
    for c in [*schema.columns, _RECORDED]:
        raw, val = pl.col(_raw(c)), pl.col(c.name)

        def rule(mask: pl.Expr, message, c=c) -> None:
            rules.append(_Rule(mask, named(c), _raw(c), message))

        if c.required:
            rule(raw.is_null(), lambda v: "必填项为空")
        if c.type in _TYPE_WORDS:
            word = _TYPE_WORDS[c.type]
            rule(raw.is_not_null() & val.is_null(), lambda v, w=word: f"「{v}」不是有效的{w}")
        if c.type == "enum":
            allowed = list(c.values)
            rule(
                raw.is_not_null() & ~raw.is_in(allowed),
                lambda v, a=allowed: f"「{v}」不在允许值内（{'、'.join(a)}）",
            )
        if c.type == "region":
            rule(
                raw.is_not_null() & ~val.is_in(codes),
                lambda v: f"未知的行政区划代码「{v}」（应为江苏省内 6 位 GB/T 2260 代码）",
            )
        if c.type in ("integer", "number"):
            if c.type == "number":
                rule(val.is_infinite() | val.is_nan(), lambda v: f"「{v}」不是有限数值")
            finite = val.is_not_null() & val.is_finite()
            if c.min is not None:
                low = "不能为负数" if c.min == 0 else f"不能小于 {_number(c.min)}"
                rule(finite & (val < c.min), lambda v, m=low: f"「{v}」{m}")
            if c.max is not None:
                rule(
                    finite & (val > c.max),
                    lambda v, m=c.max: (
                        f"数值「{v}」过大（上限 {_number(m)}），请检查单位或录入错误"
                    ),
                )
        if c.not_future:
            limit = today if c.type == "date" else dt.datetime.combine(today, dt.time.max)
            rule(
                val > limit,
                lambda v: f"日期「{v}」晚于今天（{today.isoformat()}），不能是未来日期",
            )
        # order within a row: a date not before another, a part not above its total — judged
        # only when the other value is itself valid (a negative total is its own problem)
        for other_column, later, says in (
            (c.not_before, False, "「{v}」早于{o}"),
            (c.not_above, True, "「{v}」大于同一行的{o}，部分不能超过总数"),
        ):
            if other_column:
                other_c = schema.column(other_column)
                other = pl.col(other_column)
                if other_c.min is not None:
                    other = pl.when(other >= other_c.min).then(other)
                text = says.replace("{o}", named(other_c))
                rule(val > other if later else val < other, lambda v, t=text: t.format(v=_show(v)))
        if c.type in ("string", "enum", "region"):
            rule(
                raw.str.len_chars() > MAX_CELL_CHARS,
                lambda v: f"文本过长（{len(v):,} 个字符，上限 {MAX_CELL_CHARS:,}）",
            )
            rule(raw.str.contains("\x00", literal=True), _nul_message)
    # the 模拟数据 flag is a yes or a no, never a guess
    flag = pl.col(_raw(_SYNTHETIC))
    rules.append(
        _Rule(
            flag.is_not_null() & _parse_column(flag, _SYNTHETIC).is_null(),
            named(_SYNTHETIC),
            _raw(_SYNTHETIC),
            lambda v: f"「{v}」不是有效的{_TYPE_WORDS['boolean']}",
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
        rules.append(
            _Rule(
                code.is_not_null() & ~known,
                named(schema.column("indicator")),
                "indicator",
                lambda v: (
                    f"未知的指标代码「{v}」：不是任何统计长表（经济运行、社会治理与数字政府）的指标"
                ),
            )
        )
    return rules


def _number(x: float) -> str:
    """A bound as people write it: 1,000,000,000,000 rather than 1e+12; a year as 1949."""
    if abs(x) < 10_000:
        return f"{x:g}"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,}"


def _spill(parsed: ParsedFile, schema: DatasetSchema, rules: list[_Rule], path: Path) -> None:
    """Stream the file once: strip its text, type its columns, evaluate every rule, and write
    the lot to ``path`` chunk by chunk."""
    text = parsed.source
    present = set(text.collect_schema().names())
    # (a when, not ``replace``: polars streams the one and not the other)
    stripped = {c: pl.col(c).str.strip_chars() for c in present - {ROW}}
    text = text.with_columns([pl.when(e != "").then(e).alias(c) for c, e in stripped.items()])
    fill = {SYNTHETIC_COLUMN: pl.lit("false"), RECORDED_COLUMN: pl.lit(None, dtype=pl.String)}
    fill |= {c.name: pl.lit(None, dtype=pl.String) for c in schema.columns}
    text = text.with_columns([e.alias(n) for n, e in fill.items() if n not in present])
    columns = [*schema.columns, _SYNTHETIC, _RECORDED]
    raw = [pl.col(c.name).alias(_raw(c)) for c in columns if _raw(c) != c.name]
    typed = [_parse_column(pl.col(c.name), c).alias(c.name) for c in columns]
    typed[-2] = typed[-2].fill_null(False)  # the 模拟数据 flag, absent or empty: no
    keep = [ROW, *[c.name for c in columns], *[_raw(c) for c in columns if _raw(c) != c.name]]
    staged = text.with_columns(raw).with_columns(typed).select(keep)
    staged = staged.with_columns(
        [r.mask.fill_null(False).alias(f"__rule{i}") for i, r in enumerate(rules)]
    )
    try:
        staged.sink_parquet(path, compression="lz4", maintain_order=True)
    except _READ_ERRORS as exc:
        raise _unreadable(parsed.name, parsed.file_format, parsed.text_path, exc) from None


#: rows whose keys are compared at a time: the key check holds one such share of the file
KEY_PART_ROWS = 2_000_000


def _duplicate_keys(spill: pl.LazyFrame, key: Sequence[str], rows: int) -> tuple[pl.DataFrame, int]:
    """Rows whose key an earlier row already has (their first MAX_ISSUES, with that row as
    ``__first``) and how many. Rows are split into shares by a hash of their key, so equal
    keys meet in one share, and the shares are compared one at a time: memory holds one
    share's keys, however long the file."""
    parts = max(1, -(-rows // KEY_PART_ROWS))
    share = pl.struct(key).hash() % parts
    found, count = [], 0
    for k in range(parts):
        keyed = spill.select(ROW, *key).filter(share == k).collect(engine="streaming")
        first = pl.col(ROW).min().over(list(key)).alias("__first")
        dup = keyed.with_columns(first).filter(pl.col(ROW) != pl.col("__first"))
        del keyed
        count += dup.height
        found.append(dup.sort(ROW).head(MAX_ISSUES))
    return pl.concat(found).sort(ROW).head(MAX_ISSUES), count


def validate(
    parsed: ParsedFile,
    schema: DatasetSchema,
    *,
    today: dt.date | None = None,
    checks: Checks | None = None,
) -> Typed:
    """Check ``parsed`` against ``schema``; return its typed rows or raise :class:`IngestError`.

    Checks: required columns and values, types, allowed values, bounds (negative counts, huge
    values), region codes, dates not after ``today``, date order, parts not above totals,
    duplicate keys, and the caller's ``checks``. The file is streamed once into a typed spill
    in ``parsed.workdir``; the problems are then read back from the spill, so memory follows a
    chunk of rows (and, for the key check, a share of the keys), not the file.
    """
    today = today or config.today()
    file = parsed.name
    # columns are named as the file names them (「实现日期」（achieved_date） for Chinese headers)
    chinese = _chinese_headers({h: c for c, h in parsed.raw_headers.items()})

    def named(c: Column) -> str:
        return c.named(parsed.raw_headers.get(c.name), chinese=chinese)

    rules = _rules(schema, named, today)
    path = parsed.workdir / f"{schema.name}.typed.parquet"
    _spill(parsed, schema, rules, path)
    spill = pl.scan_parquet(path)
    counts = (
        spill.select(
            pl.len().alias("__rows"),
            pl.col(SYNTHETIC_COLUMN).sum().alias("__synthetic"),
            *[pl.col(f"__rule{i}").sum() for i in range(len(rules))],
        )
        .collect(engine="streaming")
        .row(0, named=True)
    )
    issues: list[Issue] = []
    total = 0
    for i, r in enumerate(rules):
        found = counts[f"__rule{i}"]
        if not found:
            continue
        total += found
        shown = spill.filter(pl.col(f"__rule{i}")).select(ROW, r.shown).head(MAX_ISSUES)
        for row, value in shown.collect(engine="streaming").iter_rows():
            issues.append(Issue(file, row, r.where, r.message(value)))
    columns = [c.name for c in schema.columns] + [SYNTHETIC_COLUMN, RECORDED_COLUMN]
    typed = Typed(path, counts["__rows"], counts["__synthetic"])
    count, found_rows = checks(schema.name, typed.scan(columns)) if checks else (0, [])
    for row, column, message in found_rows[:MAX_ISSUES]:
        where = named(schema.column(column)) if column in schema.column_names else column
        issues.append(Issue(file, row, where, message))
    total += count
    dup, dups = _duplicate_keys(spill, schema.key, typed.rows)
    if dups:
        # the key's columns as the file names them
        heads = {
            k: parsed.raw_headers.get(k) or (schema.column(k).label if chinese else k)
            for k in schema.key
        }
        key_text = "、".join(heads.values())
        for r in dup.iter_rows(named=True):
            values = "，".join(f"{heads[k]}={_show(r[k])}" for k in schema.key if r[k] is not None)
            issues.append(
                Issue(
                    file,
                    r[ROW],
                    None,
                    f"主键（{key_text}）重复：{values} 已在第 {r['__first']} 行出现",
                )
            )
        total += dups
    if issues:
        issues.sort(key=lambda i: (i.row, i.column or ""))
        raise IngestError(issues, total)
    return typed


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
    path: str | Path,
    dataset: str | None = None,
    *,
    display_name: str | None = None,
    workdir: Path | None = None,
) -> tuple[ParsedFile, DatasetSchema]:
    """Open ``path``, decide its dataset (``dataset`` or recognised) and map its headers.

    The file's spills (a transcoded CSV, the typed rows) go to ``workdir``; without one, a
    temporary directory that is removed with the returned :class:`ParsedFile`.
    """
    if workdir is not None:
        return _parse(path, dataset, display_name, Path(workdir))
    own = Path(tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-"))
    try:
        parsed, schema = _parse(path, dataset, display_name, own)
    except BaseException:
        shutil.rmtree(own, ignore_errors=True)
        raise
    weakref.finalize(parsed, shutil.rmtree, own, True)
    return parsed, schema


def _parse(
    path: str | Path, dataset: str | None, display_name: str | None, workdir: Path
) -> tuple[ParsedFile, DatasetSchema]:
    frame, facts = open_file(path, display_name, workdir=workdir)
    name = facts["name"]
    schemas = load_schemas()
    if dataset is None:
        try:
            dataset = recognise(frame, name)
        except _READ_ERRORS as exc:  # a long table's codes are read from the whole file
            raise _unreadable(name, facts["file_format"], facts["text_path"], exc) from None
    elif dataset not in schemas:
        raise IngestError(
            [Issue(name, 0, None, f"未知数据集「{dataset}」。可用：{', '.join(schemas)}")]
        )
    schema = schemas[dataset]
    headers = [c for c in frame.collect_schema().names() if c != ROW]
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
        source=frame,
        raw_headers={v: k for k, v in mapped.items()},
        workdir=workdir,
        text_path=facts["text_path"],
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
    typed: Typed,
    load_id: int,
    *,
    loaded_at: dt.datetime,
    initial: bool,
) -> LoadResult:
    """Replace rows with the same key, insert the rest, record the load. Each row's arrival is
    the file's own, else the load time (NULL for a dataset's initial population); a row
    identical to the one it replaces keeps that one's arrival."""
    cols = schema.column_names + [SYNTHETIC_COLUMN]
    arrival = RECORDED_COLUMN
    if not initial:
        arrival = f"coalesce({RECORDED_COLUMN}, TIMESTAMP '{loaded_at.isoformat(sep=' ')}')"
    # the spill is read as it is inserted, never held in memory whole
    picked = ", ".join(
        f'CAST("{c.name}" AS BIGINT) AS "{c.name}"' if c.type == "integer" else f'"{c.name}"'
        for c in schema.columns
    )
    spill = str(typed.path).replace("'", "''")
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW _incoming AS SELECT {picked}, {SYNTHETIC_COLUMN}, "
        f"CAST({arrival} AS TIMESTAMP) AS {RECORDED_COLUMN} FROM read_parquet('{spill}')"
    )
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
        con.execute("DROP VIEW IF EXISTS _incoming")
        con.execute("DROP TABLE IF EXISTS _incoming_kept")
    con.execute(
        "INSERT INTO _loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            schema.name,
            parsed.name,
            parsed.sha256,
            parsed.size,
            parsed.file_format,
            typed.rows,
            typed.rows - replaced,
            replaced,
            typed.synthetic,
            loaded_at,
        ],
    )
    return LoadResult(
        schema.name,
        parsed.name,
        parsed.sha256,
        typed.rows,
        typed.rows - replaced,
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
    _sweep_spills()
    with tempfile.TemporaryDirectory(prefix=f"{SPILL_PREFIX}{os.getpid()}-") as spills:
        return _ingest(
            paths,
            dataset,
            warehouse=warehouse or Warehouse(),
            today=today,
            display_names=display_names,
            fresh=fresh,
            after_load=after_load,
            checks=checks,
            spills=Path(spills),
        )


def _sweep_spills() -> None:
    """Remove the spill directories of ingests whose process is gone (killed: a kill -9 runs no
    cleanup, and a spill can hold gigabytes)."""
    for spill in Path(tempfile.gettempdir()).glob(f"{SPILL_PREFIX}*-*"):
        pid = spill.name[len(SPILL_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(spill, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ingest(
    paths: Sequence[str | Path],
    dataset: str | None,
    *,
    warehouse: Warehouse,
    today: dt.date | None,
    display_names: Sequence[str] | None,
    fresh: bool,
    after_load: Callable[[object], object] | None,
    checks: Checks | None,
    spills: Path,
) -> list[LoadResult]:
    names = list(display_names) if display_names else [None] * len(paths)
    checked, all_issues, total = [], [], 0
    for number, (path, shown) in enumerate(zip(paths, names, strict=True)):
        workdir = spills / str(number)
        workdir.mkdir()
        try:
            parsed, schema = parse(path, dataset, display_name=shown, workdir=workdir)
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
                    LoadResult(schema.name, parsed.name, parsed.sha256, typed.rows, skipped=True)
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
