"""The export core (reports.tables): CSV with a BOM and the numbers as shown, a
formatted Excel workbook with a 说明 sheet (as-of, target set, definitions, source checksums,
the synthetic flag), deterministic bytes, and column validation."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import polars as pl
import pytest

from reports.tables import (
    Column,
    Provenance,
    Table,
    filename,
    provenance,
    to_csv,
    to_xlsx,
)
from tests.conftest import file_digest

AS_OF = dt.date(2026, 11, 30)
COLUMNS = (
    Column("name", "指标"),
    Column("value", "最新值", "number", "%", decimals=1),
    Column("count", "事项数", "integer", "项"),
    Column("progress", "进度", "share", decimals=0),
    Column("month", "月份", "month"),
    Column("day", "首次触发", "date"),
)


def small_table() -> Table:
    frame = pl.DataFrame(
        {
            "name": ["一件事通办完成率", "非涉密系统整合上云率"],
            "value": [89.94, None],
            "count": [1802, 7],
            "progress": [0.8361, 1.06],
            "month": [dt.date(2026, 10, 31), dt.date(2026, 11, 30)],
            "day": [dt.date(2025, 12, 31), None],
        }
    )
    return Table("t", "规划目标", frame, COLUMNS, notes=("进度 = 自基期起已走完的份额。",))


def provenance_of(table: Table) -> Provenance:
    return Provenance(title=table.title, as_of=AS_OF)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))


def test_reports001_csv_has_bom_chinese_headers_with_units_and_numbers_as_shown():
    data = to_csv(small_table())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(data)
    assert rows[0] == ["指标", "最新值（%）", "事项数（项）", "进度", "月份", "首次触发"]
    # 89.94 → one decimal; a share in per cent with no decimals; a month as YYYY-MM
    assert rows[1] == ["一件事通办完成率", "89.9", "1802", "84%", "2026-10", "2025-12-31"]
    # missing values stay empty
    assert rows[2] == ["非涉密系统整合上云率", "", "7", "106%", "2026-11", ""]
    assert data.count(b"\r\n") == 3


def test_reports002_per_row_decimals_follow_each_indicator():
    frame = pl.DataFrame(
        {"name": ["上云率", "接入点"], "value": [95.46, 46012.4], "decimals": [1, 0]}
    )
    table = Table(
        "t",
        "目标",
        frame,
        (Column("name", "指标"), Column("value", "最新值", "number", decimals_from="decimals")),
    )
    assert csv_rows(to_csv(table))[1:] == [["上云率", "95.5"], ["接入点", "46012"]]
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx([table], provenance_of(table))))["目标"]
    assert sheet["B2"].number_format == "#,##0.0"
    assert sheet["B3"].number_format == "#,##0"
    assert sheet["B3"].value == pytest.approx(46012.4)  # the value itself is not rounded


def test_reports003_xlsx_header_frozen_pane_and_number_formats():
    table = small_table()
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([table], provenance_of(table))))
    assert book.sheetnames == ["规划目标", "说明"]
    sheet = book["规划目标"]
    assert [c.value for c in sheet[1]] == [c.label for c in COLUMNS]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F3"
    formats = {c.column_letter: c.number_format for c in sheet[2]}
    assert formats["B"] == "#,##0.0"
    assert formats["C"] == "#,##0"
    assert formats["D"] == "0%"
    assert formats["E"] == "yyyy-mm"
    assert formats["F"] == "yyyy-mm-dd"
    # numbers are numbers (not text), dates are dates
    assert sheet["B2"].value == pytest.approx(89.94)
    assert sheet["C2"].value == 1802
    assert sheet["D2"].value == pytest.approx(0.8361)
    assert sheet["E2"].value == dt.datetime(2026, 10, 31)
    assert sheet["B3"].value is None
    # the table's notes follow its rows
    assert sheet["A5"].value == "进度 = 自基期起已走完的份额。"


def test_reports008_years_are_plain_integers_and_counts_keep_separators():
    """A year is written 2025 (format "0"), never 2,025; a count keeps its separators."""
    frame = pl.DataFrame(
        {"name": ["一件事通办完成率"], "target_year": [2025], "baseline_year": [2020],
         "count": [12345]}
    )  # fmt: skip
    columns = (
        Column("name", "指标"),
        Column("target_year", "目标年", "year"),
        Column("baseline_year", "基期年", "year"),
        Column("count", "事项数", "integer"),
    )
    table = Table("t", "目标", frame, columns)
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx([table], provenance_of(table))))["目标"]
    assert (sheet["B2"].value, sheet["B2"].number_format) == (2025, "0")
    assert (sheet["C2"].value, sheet["C2"].number_format) == (2020, "0")
    assert (sheet["D2"].value, sheet["D2"].number_format) == (12345, "#,##0")
    assert csv_rows(to_csv(table))[1] == ["一件事通办完成率", "2025", "2020", "12345"]


FORMULAS = ['=HYPERLINK("http://x","点此")', "+1+1", "-2+3", "@SUM(A1:A2)", "\tcmd", "\rcmd"]


def test_reports009_csv_neutralises_formulas_and_excel_keeps_them_as_text():
    """OWASP CSV injection: text starting = + - @ tab or CR is written with a leading apostrophe;
    a negative number stays a number; the workbook stores every such text as a string."""
    texts = FORMULAS + ["正常文本", "A-1 号"]
    frame = pl.DataFrame({"name": texts, "value": [-1.5] * len(texts)})
    columns = (Column("name", "名称"), Column("value", "变化", "number", "%", decimals=1))
    table = Table("t", "注入", frame, columns)
    rows = csv_rows(to_csv(table))[1:]
    for (name, value), text in zip(rows, texts, strict=True):
        want = "'" + text if text[0] in "=+-@\t\r" else text
        assert name == want, (name, text)
        assert value == "-1.5"  # numbers are not touched
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([table], provenance_of(table))))
    cells = [c for c in book["注入"]["A"][1:]]
    # a CR is stored as XML's _x000D_ escape, which Excel reads back as CR
    assert [c.value.replace("_x000D_", "\r") for c in cells] == texts
    assert {c.data_type for c in cells} == {"s"}  # strings, never formulas


def about_text(data: bytes) -> str:
    sheet = openpyxl.load_workbook(io.BytesIO(data))["说明"]
    return "\n".join(
        "\t".join("" if v is None else str(v) for v in row)
        for row in sheet.iter_rows(values_only=True)
    )


def test_reports004_about_sheet_of_demo_data_says_synthetic_and_lists_sources(
    demo_computed, demo_files
):
    info = provenance(
        demo_computed,
        title="目标进度",
        indicators=["system_cloud_rate", "one_thing_completion_rate"],
        as_of=AS_OF,
        target_set="江苏省“十四五”数字政府建设规划",
        region="全省",
    )
    assert info.synthetic
    text = about_text(to_xlsx([small_table()], info))
    assert "数据截至\t2026年11月30日" in text
    assert "目标集\t江苏省“十四五”数字政府建设规划" in text
    assert "数据性质\t模拟数据：由程序按规划基线与目标生成" in text
    # the indicators' definitions, with their source datasets
    catalog = demo_computed.query(
        "SELECT indicator, name_zh, description, sources FROM catalog_indicators "
        "WHERE indicator IN ('system_cloud_rate', 'one_thing_completion_rate')"
    )
    for r in catalog.iter_rows(named=True):
        assert r["name_zh"] in text and r["description"] in text
    # the source files, each with the SHA-256 of its bytes
    wanted = {"info_systems", "service_items"}
    assert set(catalog["sources"].str.split(",").explode().to_list()) == wanted
    for path in demo_files.values():
        dataset = path.name.split(".")[0]
        assert (file_digest(path) in text) == (dataset in wanted), path.name


def test_reports005_about_sheet_of_loaded_files_has_no_synthetic_flag(loaded, items_csv):
    info = provenance(loaded, title="已加载数据集", as_of=AS_OF)
    assert not info.synthetic
    text = about_text(to_xlsx([small_table()], info))
    assert "数据性质\t加载的数据文件（见下方来源与校验和）" in text
    assert "模拟数据：" not in text  # the flag; the sources table keeps its 模拟数据行数 column
    assert file_digest(items_csv) in text
    assert filename("目标进度_2026-11", "xlsx", synthetic=False) == "目标进度_2026-11.xlsx"
    assert filename("目标进度_2026-11", "csv", synthetic=True) == "目标进度_2026-11_模拟数据.csv"


def test_reports006_same_tables_give_the_same_bytes(demo_computed):
    def render():
        info = provenance(demo_computed, title="目标进度", indicators=["system_cloud_rate"])
        return to_xlsx([small_table()], info), to_csv(small_table())

    assert render() == render()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Column("x", "数值", "money"), r"列 x 的类型 'money' 无效，应为 text, number"),
        (
            lambda: Table("t", "表", pl.DataFrame({"a": [1]}), (Column("b", "乙"),)),
            "表 t 缺少列：b",
        ),
        (
            lambda: Table(
                "t",
                "表",
                pl.DataFrame({"a": [1.0]}),
                (Column("a", "甲", "number", decimals_from="decimals"),),
            ),
            "表 t 缺少列：decimals",
        ),
    ],
)
def test_reports007_invalid_columns_say_what_is_wrong(make, message):
    with pytest.raises(ValueError, match=message):
        make()
