"""报告导出 `/reports` in real headless Chromium: choose region, as-of and format, generate (the
render runs in its own process, with progress), download the PDF and the Excel, and check their
figures against the warehouse the server reads."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import openpyxl
import pytest

from datasets.regions import cities

pytestmark = pytest.mark.browser
SET = "jiangsu-14fyp-digital-gov"
WUXI = "320200"


def progress_rows(wh, region: str, as_of: dt.date) -> list[dict]:
    return wh.query(
        """
        SELECT p.indicator, c.name_zh, c.unit, c.decimals, p.current_value, p.final_status,
               p.final_gap, p.target_value, c.polarity
        FROM target_progress p JOIN catalog_indicators c USING (indicator)
        WHERE p.target_set = ? AND p.region_code = ? AND p.as_of = ? AND p.is_default_method
        """,
        [SET, region, as_of],
    ).to_dicts()


def shown(value: float, unit: str, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text + "%" if unit == "%" else f"{text}{unit}"


def generate_and_download(page, tmp_path):
    page.click("#reports-start")
    page.locator("#reports-progress").wait_for(state="visible", timeout=30_000)
    link = page.locator("#reports-download.btn-success:not(.d-none)")
    link.wait_for(timeout=120_000)
    assert page.locator("#reports-progress").get_attribute("class").find("d-none") < 0
    with page.expect_download() as info:
        link.click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return path


def test_reports101_city_midterm_pdf_downloads_with_the_warehouse_figures(
    tab, app_warehouse, tmp_path
):
    page = tab.open(f"/reports?region={WUXI}&as_of=2023-12")
    preview = page.locator("#reports-preview")
    assert preview.get_attribute("data-phase") == "midterm"
    assert "无锡市·江苏省“十四五”数字政府建设规划中期评估报告" in preview.inner_text()
    path = generate_and_download(page, tmp_path)
    assert path.name.startswith("2023-12_320200_无锡市_中期评估报告") and path.suffix == ".pdf"
    assert path.read_bytes()[:5] == b"%PDF-"
    exe = shutil.which("pdftotext")
    assert exe, "pdftotext is missing: run `scripts/setup.sh --test` as root (poppler-utils)"
    text = subprocess.run([exe, str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    rows = progress_rows(app_warehouse, WUXI, dt.date(2023, 12, 31))
    assert rows
    for r in rows:
        assert shown(r["current_value"], r["unit"], r["decimals"]) in flat, r["name_zh"]
    for name in cities()["name_zh"].to_list():
        if name != "无锡市":
            assert name not in flat
    assert "已生成" in page.locator("#reports-message").inner_text()
    assert tab.errors == []


def test_reports102_excel_choice_goes_to_the_url_and_downloads_a_workbook(
    tab, app_warehouse, tmp_path
):
    page = tab.open("/reports")
    assert page.locator("#reports-preview").get_attribute("data-phase") == "final"
    page.get_by_text("Excel 工作簿").click()
    page.wait_for_url(re.compile(r"format=xlsx"))
    page.locator("#reports-preview", has_text="Excel").wait_for()
    path = generate_and_download(page, tmp_path)
    assert path.suffix == ".xlsx" and "_320000_江苏省_总结评估报告" in path.name
    book = openpyxl.load_workbook(path)
    got = {r[1].value: r for r in book["目标评估"].iter_rows(min_row=2)}
    header = [c.value for c in book["目标评估"][1]]
    newest = app_warehouse.query("SELECT max(as_of) AS d FROM target_progress")["d"][0]
    for r in progress_rows(app_warehouse, "320000", newest):
        # the value the verdict is about: at the deadline (target ± gap) once assessed
        judged = r["current_value"]
        if r["final_status"]:
            sign = -1 if r["polarity"] == "lower" else 1
            judged = r["target_value"] + sign * r["final_gap"]
        cell = got[r["indicator"]][header.index("期末值（评估所据）")].value
        assert cell == pytest.approx(judged, abs=1e-9)
    assert len(book["目标排名"]["A"]) > 13  # the province's workbook ranks all 13 cities
    assert tab.errors == []


def test_reports103_targets_page_links_to_the_report_of_its_view(tab):
    page = tab.open(f"/targets?city={WUXI}&as_of=2023-12")
    link = page.locator("#targets-report-link")
    assert "无锡市中期评估报告" in link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/reports\?"))
    preview = page.locator("#reports-preview")
    preview.wait_for()
    assert preview.get_attribute("data-phase") == "midterm"
    assert "无锡市·" in preview.inner_text() and "2023年12月" in preview.inner_text()
    assert tab.errors == []


def test_reports104_the_14_recipient_bundle_downloads_as_a_zip(tab, tmp_path):
    import zipfile

    page = tab.open("/reports?region=all&format=xlsx")
    assert "全省及 13 个设区市，14 份" in page.locator("#reports-preview").inner_text()
    path = generate_and_download(page, tmp_path)
    assert path.suffix == ".zip"
    with zipfile.ZipFile(path) as zf:
        books = [n for n in zf.namelist() if n.endswith(".xlsx")]
        assert "manifest.json" in zf.namelist()
    assert len(books) == 14
    assert tab.errors == []
