"""More bad files, each generated here and each refused with one exact Chinese message naming
file, row and column, the warehouse unchanged: encodings that must not be guessed, binary bytes
deep in a file, headers written twice, flags that are neither yes nor no, runaway cells, parts
above their totals, statistics codes of no known family, too many columns, zip bombs; and a
file with CR-only line ends, which is read row by row."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import polars as pl
import pytest

from datasets.ingest import MAX_SHOWN, IngestError, ingest
from tests.conftest import SERVICE_ITEMS_CSV, snapshot
from tests.datasets.corpus import refused

TODAY = dt.date(2026, 11, 22)
HEADER = SERVICE_ITEMS_CSV.splitlines()[0]
GOOD = SERVICE_ITEMS_CSV.splitlines()[1:]
ZH_HEADER = "事项编码,事项名称,清单类型,行政区划代码,牵头部门,领域,列入清单日期,实现日期"
EVAL_HEADER = "region_code,year,month,channel,evaluations,positive,negative,negative_rectified"
STATS_HEADER = "region_code,year,month,day,indicator,value,unit,source"
ENCODINGS = "可能是 Big5 或 Shift-JIS 编码。已尝试 UTF-8、GB18030，请另存为 UTF-8 编码"


def rows(n: int, start: int = 0) -> list[str]:
    """``n`` valid registry rows with their own keys."""
    return [f"T-{i:05d},测试事项{i},一件事,320100,南京市政务办,企业服务,2021-03-01," for i in range(start, start + n)]  # fmt: skip


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\n".join([header, *lines, ""]).encode(encoding)


def with_field(row: str, index: int, value: str) -> str:
    fields = row.split(",")
    fields[index] = value
    return ",".join(fields)


def parquet_of(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def xlsx_of(text: str) -> bytes:
    buffer = io.BytesIO()
    pl.read_csv(io.StringIO(text), infer_schema=False).write_excel(buffer)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """An "xlsx" whose one sheet inflates 50 MB of zeros from a few kilobytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    return buffer.getvalue()


BIG5_TEXT = "\n".join(
    ["事項編碼,事項名稱,清單類型,行政區劃代碼,牽頭部門,領域,列入清單日期,實現日期"]
    + [f"T-{i},企業開辦一件事{i},一件事,320100,南京市政務辦,企業服務,2021-03-01," for i in range(8)]
) + "\n"  # fmt: skip
# kanji and kana a Japanese office would write (Shift-JIS has no simplified characters)
SJIS_TEXT = csv_bytes(
    *[f"T-{i},企業開設の手続き{i},一件事,320100,南京市政務弁公室,企業服務,2021-03-01," for i in range(8)]
).decode()  # fmt: skip
EVAL = "320100,2024,1,窗口"

# (case id, file name, bytes, dataset, the first issue exactly (a regex when it starts with ^),
#  issues in all)
CASES = [
    (
        "nul-after-64k",
        "nul.csv",
        csv_bytes(*rows(1200), "T-99999,坏\x00行,一件事,320100,南京市政务办,企业服务,2021-03-01,"),
        None,
        "文件「nul.csv」 第 1202 行：文件含有二进制内容（NUL 字节），不是文本 CSV 文件",
        1,
    ),
    (
        "nul-in-row-2",
        "nul2.csv",
        csv_bytes("T-1,有\x00字节,一件事,320100,南京市政务办,企业服务,2021-03-01,"),
        None,
        "文件「nul2.csv」 第 2 行：文件含有二进制内容（NUL 字节），不是文本 CSV 文件",
        1,
    ),
    (
        "big5-read-as-gb18030",
        "big5.csv",
        BIG5_TEXT.encode("big5"),
        None,
        r"^文件「big5\.csv」 第 1 行：无法确定文件编码：不是 UTF-8；按 GB18030 读出大量生僻字或日文、"
        r"表格线等字符（如「.{1,6}」），" + re.escape(ENCODINGS) + "$",
        1,
    ),
    (
        "shift-jis-read-as-gb18030",
        "sjis.csv",
        SJIS_TEXT.encode("shift_jis"),
        "service_items",
        r"^文件「sjis\.csv」 第 2 行：无法确定文件编码：不是 UTF-8；按 GB18030 读出大量生僻字或日文、"
        r"表格线等字符（如「.{1,6}」），" + re.escape(ENCODINGS) + "$",
        1,
    ),
    (
        "gb18030-bad-byte-on-row-6",
        "gb.csv",
        csv_bytes(*rows(4), header=ZH_HEADER, encoding="gb18030")
        + "T-9,坏".encode("gb18030")
        + b"\x81\x20"
        + ",一件事,320100,南京市政务办,企业服务,2021-03-01,\n".encode("gb18030"),
        None,
        "文件「gb.csv」 第 6 行：无法识别文件编码：既不是 UTF-8 也不是 GB18030（第一个无效字节在此行），请另存为 UTF-8 编码",
        1,
    ),
    (
        "utf8-bad-byte-on-row-4",
        "u8.csv",
        csv_bytes(*rows(2)) + b"T-9,caf\xe9,\xe4\xb8\x80,320100,x,y,2021-03-01,\n",
        None,
        "文件「u8.csv」 第 4 行：无法识别文件编码：既不是 UTF-8 也不是 GB18030（第一个无效字节在此行），请另存为 UTF-8 编码",
        1,
    ),
    (
        "header-twice",
        "dup.csv",
        csv_bytes(
            *[r + ",再写一次" for r in GOOD],
            header=HEADER + ",item_name",
        ),
        "service_items",
        "文件「dup.csv」 第 1 行 「item_name」：表头重复",
        1,
    ),
    (
        "header-twice-label-and-name",
        "dup2.csv",
        csv_bytes(*[r + ",再写一次" for r in GOOD], header=HEADER + ",事项名称"),
        "service_items",
        "文件「dup2.csv」 第 1 行 「事项名称」：表头重复：与「item_name」是同一列",
        1,
    ),
    (
        "synthetic-maybe",
        "syn.csv",
        csv_bytes(GOOD[0] + ",maybe", GOOD[1] + ",true", header=HEADER + ",is_synthetic"),
        None,
        "文件「syn.csv」 第 2 行 「is_synthetic」（是否模拟数据）：「maybe」不是有效的是/否（是、否、true、false、1、0）",
        1,
    ),
    (
        "synthetic-perhaps-chinese",
        "syn-zh.csv",
        csv_bytes(*[r + ",也许" for r in GOOD[:2]], header=ZH_HEADER + ",是否模拟数据"),
        None,
        "文件「syn-zh.csv」 第 2 行 「是否模拟数据」（is_synthetic）：「也许」不是有效的是/否（是、否、true、false、1、0）",
        2,
    ),
    (
        "synthetic-maybe-parquet",
        "syn.parquet",
        parquet_of(
            pl.read_csv(io.StringIO(SERVICE_ITEMS_CSV), infer_schema=False).with_columns(
                is_synthetic=pl.lit("maybe")
            )
        ),
        "service_items",
        "文件「syn.parquet」 第 2 行 「is_synthetic」（是否模拟数据）：「maybe」不是有效的是/否（是、否、true、false、1、0）",
        4,
    ),
    (
        "name-of-10001-characters",
        "long.csv",
        csv_bytes(with_field(GOOD[0], 1, "长" * 10_001), *GOOD[1:]),
        None,
        "文件「long.csv」 第 2 行 「item_name」（事项名称）：文本过长（10,001 个字符，上限 10,000）",
        1,
    ),
    (
        "department-of-a-million-characters",
        "million.csv",
        csv_bytes(*GOOD[:3], with_field(GOOD[3], 4, "部" * 1_000_000)),
        None,
        "文件「million.csv」 第 5 行 「department」（牵头部门）：文本过长（1,000,000 个字符，上限 10,000）",
        1,
    ),
    (
        "nul-inside-a-parquet-text",
        "nul.parquet",
        parquet_of(
            pl.read_csv(io.StringIO(SERVICE_ITEMS_CSV), infer_schema=False).with_columns(
                item_name=pl.when(pl.col("item_id") == "SZ-001")
                .then(pl.lit("违法\x00建设"))
                .otherwise(pl.col("item_name"))
            )
        ),
        "service_items",
        "文件「nul.parquet」 第 4 行 「item_name」（事项名称）：含有 NUL 控制字符（二进制内容）",
        1,
    ),
    (
        "positive-above-evaluations",
        "evals.csv",
        csv_bytes(f"{EVAL},1000,1500,10,5", header=EVAL_HEADER),
        None,
        "文件「evals.csv」 第 2 行 「positive」（好评数）：「1500」大于同一行的「evaluations」（评价数），部分不能超过总数",
        1,
    ),
    (
        "negative-above-evaluations",
        "evals2.csv",
        csv_bytes(f"{EVAL},10,5,11,0", header=EVAL_HEADER),
        None,
        "文件「evals2.csv」 第 2 行 「negative」（差评数）：「11」大于同一行的「evaluations」（评价数），部分不能超过总数",
        1,
    ),
    (
        "positive-above-evaluations-chinese-xlsx",
        "好差评.xlsx",
        xlsx_of(
            "行政区划代码,年,月,渠道,评价数,好评数,差评数,差评整改数\n320100,2024,2,窗口,100,101,0,0\n"
        ),
        None,
        "文件「好差评.xlsx」 第 2 行 「好评数」（positive）：「101」大于同一行的「评价数」（evaluations），部分不能超过总数",
        1,
    ),
    (
        "unknown-statistics-code",
        "stats.csv",
        csv_bytes(
            "320100,2024,,,hotline_tickets,100,件,",
            "320100,2024,,,foo_bar,1,个,",
            header=STATS_HEADER,
        ),
        "governance_stats",
        "文件「stats.csv」 第 3 行 「indicator」（指标）：未知的指标代码「foo_bar」：不是任何统计长表（经济运行、社会治理与数字政府）的指标",
        1,
    ),
    (
        "statistics-code-in-chinese",
        "stats2.csv",
        csv_bytes("320100,2024,,,未知指标,1,个,", header=STATS_HEADER),
        "economic_stats",
        "文件「stats2.csv」 第 2 行 「indicator」（指标）：未知的指标代码「未知指标」：不是任何统计长表（经济运行、社会治理与数字政府）的指标",
        1,
    ),
    (
        "five-thousand-extra-columns",
        "wide.csv",
        csv_bytes(
            *[r + "," * 5000 for r in GOOD],
            header=HEADER + "," + ",".join(f"c{i}" for i in range(5000)),
        ),
        "service_items",
        "文件「wide.csv」 第 1 行：多余的列 5,000 个：「c0」、「c1」、「c2」、「c3」、「c4」、「c5」、「c6」、「c7」 等共 5,000 个；数据集 service_items（数字政务三张清单（一件事/一类事/一体事））没有这些列",
        1,
    ),
    (
        "zip-bomb",
        "bomb.xlsx",
        zip_bomb(),
        None,
        r"^文件「bomb\.xlsx」：Excel 文件的压缩比超过 200 倍或解压后超过 1,024 MB（解压到 \d+ MB、"
        r"[\d,]+ 倍时停止），疑似压缩炸弹，未读取；请另存为 CSV 或拆分后上传$",
        1,
    ),
    (
        "xlsx-that-is-not-a-zip",
        "text.xlsx",
        SERVICE_ITEMS_CSV.encode(),
        None,
        "文件「text.xlsx」：无法读取 Excel 文件：不是有效的 xlsx（zip）文件",
        1,
    ),
    (
        "only-carriage-returns",
        "cr.csv",
        b"\r\r\r",
        None,
        "文件「cr.csv」：文件为空",
        1,
    ),
    (
        "cr-only-header-without-rows",
        "cr-header.csv",
        (HEADER + "\r").encode(),
        None,
        "文件「cr-header.csv」：文件只有表头，没有数据行",
        1,
    ),
]


@pytest.mark.parametrize(
    ("name", "data", "dataset", "expected", "count"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_harden001_refused_with_one_exact_message(loaded, tmp_path, name, data, dataset, expected, count):  # fmt: skip
    path = tmp_path / name
    path.write_bytes(data)
    err = refused(loaded, path, dataset, expected, count, TODAY)
    assert len(str(err)) < 4000  # short, however bad the file


def test_harden002_many_bad_rows_are_counted_not_all_listed(loaded, tmp_path):
    bad = [with_field(r, 3, "999999") for r in rows(500)]
    path = tmp_path / "many.csv"
    path.write_bytes(csv_bytes(*bad))
    with pytest.raises(IngestError) as caught:
        ingest([path], warehouse=loaded, today=TODAY)
    lines = str(caught.value).splitlines()
    assert caught.value.total == 500
    assert len(lines) == 1 + MAX_SHOWN + 1
    assert lines[-1] == f"- ……另有 {500 - MAX_SHOWN} 处问题未列出"


def test_harden003_a_cr_only_file_is_read_row_by_row(loaded, tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(csv_bytes(*rows(20)).replace(b"\n", b"\r"))
    [result] = ingest([path], warehouse=loaded, today=TODAY)
    assert result.rows == 20
    assert (
        loaded.query("SELECT count(*) AS n FROM service_items WHERE item_id LIKE 'T-%'")["n"][0]
        == 20
    )


def test_harden004_gb18030_chinese_still_loads(loaded, tmp_path):
    """Refusing to guess does not refuse the encoding Chinese offices do use."""
    path = tmp_path / "gbk.csv"
    path.write_bytes(csv_bytes(*rows(30, start=100), header=ZH_HEADER, encoding="gb18030"))
    [result] = ingest([path], warehouse=loaded, today=TODAY)
    assert result.rows == 30


def test_harden005_gbk_files_with_units_and_rare_names_load(loaded, tmp_path):
    """μg/m³ in a unit column and names outside GB2312 (王喆、王堃、王赟) are Chinese, not Big5."""
    rows = [f"320100,2025,{m},,pm25,35,μg/m³,王喆" for m in range(1, 13)]
    path = tmp_path / "pm25.csv"
    path.write_bytes("\n".join([STATS_HEADER, *rows, ""]).encode("gb18030"))
    [result] = ingest([path], "governance_stats", warehouse=loaded, today=TODAY)
    assert result.rows == 12
    names = [
        f"T-{i},王堃王赟王喆办事{i},一件事,320100,南京市政务办,企业服务,2021-03-01,"
        for i in range(3)
    ]
    path = tmp_path / "names.csv"
    path.write_bytes(csv_bytes(*names, header=ZH_HEADER, encoding="gb18030"))
    [result] = ingest([path], warehouse=loaded, today=TODAY)
    assert result.rows == 3


def test_harden006_a_quote_never_closed_is_an_ingest_message(loaded, tmp_path):
    path = tmp_path / "quote.csv"
    path.write_bytes(b'"item_id,item_name\n' + b"x" * 200_000 + b"\n")
    before = snapshot(loaded)
    with pytest.raises(IngestError) as caught:
        ingest([path], warehouse=loaded, today=TODAY)
    assert (
        str(caught.value.issues[0])
        == "文件「quote.csv」 第 1 行：CSV 格式无法解析：表头行的引号未闭合"
    )
    assert snapshot(loaded) == before
