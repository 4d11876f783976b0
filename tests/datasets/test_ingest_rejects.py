"""A corpus of bad files: each is rejected with a Chinese message naming file, row and column,
and the warehouse stays byte-for-byte and row-for-row as it was."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest

from datasets.ingest import IngestError, for_web, ingest
from tests.conftest import SERVICE_ITEMS_CSV, snapshot
from tests.datasets.corpus import refused

TODAY = dt.date(2026, 11, 22)
HEADER = SERVICE_ITEMS_CSV.splitlines()[0]
GOOD = SERVICE_ITEMS_CSV.splitlines()[1:]
EVAL_HEADER = "region_code,year,month,channel,evaluations,positive,negative,negative_rectified"


def items(*rows: str, header: str = HEADER, newline: str = "\n") -> bytes:
    return newline.join([header, *rows]).encode("utf-8") + newline.encode()


def replace_field(row: str, index: int, value: str) -> str:
    fields = row.split(",")
    fields[index] = value
    return ",".join(fields)


def xlsx_bytes(text: str) -> bytes:
    frame = pl.read_csv(io.StringIO(text), infer_schema=False)
    buffer = io.BytesIO()
    frame.write_excel(buffer)
    return buffer.getvalue()


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


# Columns as datasets/schemas.yaml declares them: name → Chinese label.
LABELS = {
    "item_name": "事项名称",
    "list_type": "清单类型",
    "region_code": "行政区划代码",
    "listed_date": "列入清单日期",
    "achieved_date": "实现日期",
    "evaluations": "评价数",
    "positive": "好评数",
}
SERVICE_ITEMS = "service_items（数字政务三张清单（一件事/一类事/一体事））"
LIST_TYPES = "一件事、一类事、一体事"
REGION_HINT = "（应为江苏省内 6 位 GB/T 2260 代码）"
NOT_UTF8 = (
    "无法识别文件编码：既不是 UTF-8 也不是 GB18030（第一个无效字节在此行），请另存为 UTF-8 编码"
)
DATE_WORD = "日期（如 2024-03-31）"
DATASET_HINT = "请用 --dataset 指定数据集"


def col(name: str) -> str:
    """A column of an English-headed file as messages name it: 「name」（label）."""
    return f"「{name}」（{LABELS[name]}）"


def at(file: str, row: int = 0, column: str = "") -> str:
    """Where an issue is: 文件「file」 第 row 行 column：(row 1 is the header; 0 = the file)."""
    where = f"文件「{file}」"
    if row:
        where += f" 第 {row} 行"
    if column:
        where += f" {column}"
    return where + "："


# (case id, file name, file bytes, dataset or None,
#  the first issue exactly (a regex when it starts with ^), issues in all (None: not asserted))
# Rows: the header is row 1, so items(GOOD[0], bad) puts the bad row on row 3.
CASES = [
    (
        "latin1-encoding",
        "bad.csv",
        items(GOOD[0], replace_field(GOOD[1], 1, "caf\xe9")).replace(
            "caf\xe9".encode(), b"caf\xe9"
        ),
        None,
        at("bad.csv", 3) + NOT_UTF8,
        1,
    ),
    (
        "utf16",
        "utf16.csv",
        SERVICE_ITEMS_CSV.encode("utf-16"),
        None,
        at("utf16.csv") + "文件编码为 UTF-16/UTF-32，请另存为 UTF-8 或 GB18030 编码的 CSV",
        1,
    ),
    (
        # service_items lacks only listed_date; the runners-up each share region_code and
        # department with the file (a tie with gov_apps and scenarios, in schemas.yaml order)
        "missing-column",
        "missing.csv",
        items(
            *[",".join(r.split(",")[:6] + r.split(",")[7:]) for r in GOOD],
            header="item_id,item_name,list_type,region_code,department,domain,achieved_date",
        ),
        None,
        at("missing.csv", 1)
        + "无法根据表头识别数据集。最接近的是："
        + "service_items（数字政务三张清单（一件事/一类事/一体事）；缺少列 listed_date）；"
        + "info_systems（政务信息系统；缺少列 system_id、system_name、classified、built_date；"
        + "多余列 item_id、item_name、list_type、domain、achieved_date）；"
        + "private_networks（部门业务专网；缺少列 network_id、network_name、classified、built_date；"
        + "多余列 item_id、item_name、list_type、domain、achieved_date）。"
        + DATASET_HINT,
        1,
    ),
    (
        "missing-column-named-dataset",
        "missing.csv",
        items(
            *[",".join(r.split(",")[:6] + r.split(",")[7:]) for r in GOOD],
            header="item_id,item_name,list_type,region_code,department,domain,achieved_date",
        ),
        "service_items",
        at("missing.csv", 1, col("listed_date")) + "缺少必需的列（数据集 service_items）",
        1,
    ),
    (
        "extra-column",
        "extra.csv",
        items(*[r + ",备注" for r in GOOD], header=HEADER + ",remark"),
        "service_items",
        at("extra.csv", 1, "「remark」") + f"多余的列：数据集 {SERVICE_ITEMS}没有这一列",
        1,
    ),
    (
        "wrong-type-date",
        "types.csv",
        items(GOOD[0], replace_field(GOOD[1], 6, "2021-13-45")),
        None,
        at("types.csv", 3, col("listed_date")) + f"「2021-13-45」不是有效的{DATE_WORD}",
        1,
    ),
    (
        "unknown-region",
        "region.csv",
        items(replace_field(GOOD[0], 3, "999999"), GOOD[1]),
        None,
        at("region.csv", 2, col("region_code")) + f"未知的行政区划代码「999999」{REGION_HINT}",
        1,
    ),
    (
        "duplicate-key",
        "dup.csv",
        items(GOOD[0], GOOD[1], GOOD[0]),
        None,
        at("dup.csv", 4) + f"主键（item_id）重复：item_id={GOOD[0].split(',')[0]} 已在第 2 行出现",
        1,
    ),
    (
        "future-date",
        "future.csv",
        items(GOOD[0], replace_field(GOOD[1], 6, "2030-01-01")),
        None,
        at("future.csv", 3, col("listed_date"))
        + f"日期「2030-01-01」晚于今天（{TODAY.isoformat()}），不能是未来日期",
        1,
    ),
    (
        "date-order",
        "order.csv",
        items(replace_field(GOOD[0], 7, "2020-01-01")),
        None,
        at("order.csv", 2, col("achieved_date")) + f"「2020-01-01」早于{col('listed_date')}",
        1,
    ),
    (
        "bad-enum",
        "enum.csv",
        items(GOOD[0], replace_field(GOOD[1], 2, "两件事")),
        None,
        at("enum.csv", 3, col("list_type")) + f"「两件事」不在允许值内（{LIST_TYPES}）",
        1,
    ),
    (
        "required-empty",
        "empty-field.csv",
        items(GOOD[0], replace_field(GOOD[1], 1, "")),
        None,
        at("empty-field.csv", 3, col("item_name")) + "必填项为空",
        1,
    ),
    (
        # the count is left open: the code also reports 0 好评 and 0 差评 as above the -5 评价数
        # (three issues for one bad cell, two of them misleading): not pinned until that is fixed
        "negative-count",
        "evals.csv",
        f"{EVAL_HEADER}\n320100,2024,1,窗口,-5,0,0,0\n".encode(),
        None,
        # a negative total is its own problem: its parts are not judged against it
        at("evals.csv", 2, col("evaluations")) + "「-5」不能为负数",
        1,
    ),
    (
        # the bound written out as people write numbers (schemas.yaml: max 1.0e+12)
        "huge-value",
        "evals-huge.csv",
        f"{EVAL_HEADER}\n320100,2024,1,窗口,100,99,1,1\n320100,2024,2,窗口,1e20,99,1,1\n".encode(),
        None,
        at("evals-huge.csv", 3, col("evaluations"))
        + "数值「1e20」过大（上限 1,000,000,000,000），请检查单位或录入错误",
        1,
    ),
    ("empty-file", "empty.csv", b"", None, at("empty.csv") + "文件为空", 1),
    ("whitespace-file", "blank.csv", b"\n\n  \n", None, at("blank.csv") + "文件为空", 1),
    ("header-only", "header.csv", items(), None, at("header.csv") + "文件只有表头，没有数据行", 1),
    (
        "bom-with-error",
        "bom.csv",
        b"\xef\xbb\xbf" + items(replace_field(GOOD[0], 3, "12345")),
        None,
        at("bom.csv", 2, col("region_code")) + f"未知的行政区划代码「12345」{REGION_HINT}",
        1,
    ),
    (
        "crlf-with-error",
        "crlf.csv",
        items(GOOD[0], GOOD[1], replace_field(GOOD[2], 6, "yesterday"), newline="\r\n"),
        None,
        at("crlf.csv", 4, col("listed_date")) + f"「yesterday」不是有效的{DATE_WORD}",
        1,
    ),
    (
        "ragged-row",
        "ragged.csv",
        items(GOOD[0], GOOD[1] + ",多出来的字段"),
        None,
        at("ragged.csv", 3) + f"字段数为 9，与表头的 {len(HEADER.split(','))} 列不一致",
        1,
    ),
    (
        "unsupported-type",
        "items.json",
        b'{"item_id": 1}',
        None,
        at("items.json") + "不支持的文件类型「.json」，请使用 CSV、XLSX 或 Parquet",
        1,
    ),
    (
        # the datasets named closest are left open: none shares a column with a,b,c, so the
        # code's three "closest" are just the first three of schemas.yaml; not pinned
        "unrecognisable",
        "random.csv",
        b"a,b,c\n1,2,3\n",
        None,
        # no header is any dataset's column, so no dataset is named as "closest"
        at("random.csv", 1)
        + "无法根据表头识别数据集：表头 「a」、「b」、「c」 都不是任何数据集的列名"
        + "（列名或中文列名，见“数据集”说明）。"
        + DATASET_HINT,
        1,
    ),
    (
        "xlsx-bad-region",
        "bad.xlsx",
        xlsx_bytes(items(GOOD[0], replace_field(GOOD[1], 3, "330100")).decode()),
        None,
        at("bad.xlsx", 3, col("region_code")) + f"未知的行政区划代码「330100」{REGION_HINT}",
        1,
    ),
    (
        # a Parquet file's first record is row 2, as if it had a header row (the ingest convention)
        "parquet-negative",
        "bad.parquet",
        parquet_bytes(
            pl.DataFrame(
                {
                    "region_code": ["320200"],
                    "year": [2024],
                    "month": [3],
                    "channel": ["移动端"],
                    "evaluations": [10],
                    "positive": [-1],
                    "negative": [0],
                    "negative_rectified": [0],
                }
            )
        ),
        None,
        at("bad.parquet", 2, col("positive")) + "「-1」不能为负数",
        1,
    ),
    (
        "gb18030-with-error",
        "gbk.csv",
        items(replace_field(GOOD[0], 2, "三件事")).decode().encode("gb18030"),
        None,
        at("gbk.csv", 2, col("list_type")) + f"「三件事」不在允许值内（{LIST_TYPES}）",
        1,
    ),
]


@pytest.mark.parametrize(
    ("case", "name", "data", "dataset", "expected", "count"), CASES, ids=[c[0] for c in CASES]
)
def test_ingest001_bad_file_rejected_and_warehouse_unchanged(
    loaded, tmp_path, case, name, data, dataset, expected, count
):
    path = tmp_path / name
    path.write_bytes(data)
    err = refused(loaded, path, dataset, expected, count, TODAY)
    if count is not None:
        assert len(err.issues) == count
    assert f"「{name}」" in str(err)


def test_ingest002_every_problem_listed_not_just_the_first(loaded, tmp_path):
    rows = [
        replace_field(GOOD[0], 3, "999999"),
        replace_field(GOOD[1], 6, "bad"),
        replace_field(GOOD[2], 2, "x"),
    ]
    path = tmp_path / "many.csv"
    path.write_bytes(items(*rows))
    with pytest.raises(IngestError) as caught:
        ingest([path], warehouse=loaded, today=TODAY)
    assert caught.value.total == 3
    assert [i.row for i in caught.value.issues] == [2, 3, 4]


def test_ingest003_one_bad_file_in_a_batch_loads_nothing(loaded, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(items(replace_field(GOOD[0], 0, "NEW-1")))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(items(replace_field(GOOD[0], 3, "000000")))
    before = snapshot(loaded)
    with pytest.raises(IngestError, match="bad.csv"):
        ingest([good, bad], warehouse=loaded, today=TODAY)
    assert snapshot(loaded) == before


def test_ingest004_duplicate_composite_key_named_as_written(loaded, tmp_path):
    path = tmp_path / "evals-dup.csv"
    path.write_bytes(
        f"{EVAL_HEADER}\n320100,2024,1,窗口,10,9,1,1\n320100,2024,1,窗口,12,12,0,0\n".encode()
    )
    with pytest.raises(IngestError) as caught:
        ingest([path], warehouse=loaded, today=TODAY)
    assert (
        "第 3 行：主键（region_code、year、month、channel）重复：region_code=320100，year=2024，month=1，channel=窗口 已在第 2 行出现"
        in str(caught.value)
    )


# The registry again, headed with the schema's Chinese labels (datasets/schemas.yaml).
ZH_HEADER = "事项编码,事项名称,清单类型,行政区划代码,牵头部门,领域,列入清单日期,实现日期"


def rejected(loaded, tmp_path, name: str, data: bytes, dataset: str | None = None) -> IngestError:
    path = tmp_path / name
    path.write_bytes(data)
    before = snapshot(loaded)
    with pytest.raises(IngestError) as caught:
        ingest([path], dataset, warehouse=loaded, today=TODAY)
    assert snapshot(loaded) == before
    return caught.value


# (case id, rows, the one issue as shown)
ZH_CASES = [
    (
        "date-order",
        [replace_field(GOOD[0], 7, "2020-01-01")],
        "文件「中文.csv」 第 2 行 「实现日期」（achieved_date）："
        "「2020-01-01」早于「列入清单日期」（listed_date）",
    ),
    (
        "unknown-region",
        [replace_field(GOOD[0], 3, "999999")],
        "文件「中文.csv」 第 2 行 「行政区划代码」（region_code）："
        "未知的行政区划代码「999999」（应为江苏省内 6 位 GB/T 2260 代码）",
    ),
    (
        "required-empty",
        [replace_field(GOOD[0], 1, "")],
        "文件「中文.csv」 第 2 行 「事项名称」（item_name）：必填项为空",
    ),
    (
        "duplicate-key",
        [GOOD[0], GOOD[0]],
        "文件「中文.csv」 第 3 行：主键（事项编码）重复：事项编码=NJ-001 已在第 2 行出现",
    ),
]


@pytest.mark.parametrize(("case", "rows", "expected"), ZH_CASES, ids=[c[0] for c in ZH_CASES])
def test_ingest005_a_chinese_headed_file_is_told_its_columns_in_chinese(
    loaded, tmp_path, case, rows, expected
):
    err = rejected(loaded, tmp_path, "中文.csv", items(*rows, header=ZH_HEADER))
    assert [str(i) for i in err.issues] == [expected]


def test_ingest006_a_missing_column_is_named_as_the_file_names_its_others(loaded, tmp_path):
    header = ZH_HEADER.replace(",列入清单日期", "")
    rows = [",".join(r.split(",")[:6] + r.split(",")[7:]) for r in GOOD]
    err = rejected(loaded, tmp_path, "缺列.csv", items(*rows, header=header), "service_items")
    assert [str(i) for i in err.issues] == [
        "文件「缺列.csv」 第 1 行 「列入清单日期」（listed_date）：缺少必需的列（数据集 service_items）"
    ]
    # the same file left to recognition: the closest dataset lacks 列入清单日期, said in Chinese
    err = rejected(loaded, tmp_path, "缺列.csv", items(*rows, header=header))
    message = str(err.issues[0])
    assert (
        "service_items（数字政务三张清单（一件事/一类事/一体事）；缺少列 列入清单日期）" in message
    )
    assert "listed_date" not in message


def test_ingest007_the_dataset_hint_suits_where_the_file_was_loaded(loaded, tmp_path):
    """The command line is told its flag; the upload page is told to choose the dataset."""
    err = rejected(loaded, tmp_path, "random.csv", b"a,b,c\n1,2,3\n")
    cli = str(err.issues[0])
    assert cli.endswith("。请用 --dataset 指定数据集")
    web = for_web(cli)
    assert "--dataset" not in web
    assert web == cli.replace(
        "请用 --dataset 指定数据集",
        "请在上传前从“数据集”列表中选择该文件所属的数据集（不要选“自动识别”）",
    )
