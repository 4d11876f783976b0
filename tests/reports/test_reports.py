"""Evaluation reports (PDF and Excel) against the warehouse they were made from.

The expected figures come from the test's own SQL over ``target_progress`` and
``league_table`` and its own formatting (``f"{v:,.{d}f}"``), never from the report code. PDFs are
read back with pdftotext (poppler-utils, installed by ``scripts/setup.sh --test``), workbooks with
openpyxl.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cli import main as cli
from datasets.regions import cities
from datasets.warehouse import Warehouse
from reports.content import build_report, phase

SET = "jiangsu-14fyp-digital-gov"
FINAL = dt.date(2025, 12, 31)
MIDTERM = dt.date(2023, 12, 31)
WUXI = "320200"


def pdftotext(path, *, layout: bool = True, raw: bool = False) -> str:
    """The PDF's text: laid out as on the page, in reading order, or (``raw``) in the order the
    content was drawn — a table row's cells stay together however its cells wrap."""
    exe = shutil.which("pdftotext")
    assert exe, "pdftotext is missing: run `scripts/setup.sh --test` as root (poppler-utils)"
    mode = ["-raw"] if raw else (["-layout"] if layout else [])
    args = [exe, *mode, str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def shown(value: float | None, unit: str, decimals: int) -> str:
    """How a figure is printed for people (the test's own formatting)."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text + "%" if unit == "%" else f"{text} {unit}"


def progress_rows(wh, region: str, as_of: dt.date) -> list[dict]:
    return wh.query(
        """
        SELECT p.indicator, c.name_zh, c.unit, c.decimals, p.status, p.baseline_value,
               p.current_value, p.target_value, p.final_status
        FROM target_progress p JOIN catalog_indicators c USING (indicator)
        WHERE p.target_set = ? AND p.region_code = ? AND p.as_of = ? AND p.is_default_method
        ORDER BY p.indicator
        """,
        [SET, region, as_of],
    ).to_dicts()


def league_rows(wh, as_of: dt.date, indicators: list[str]) -> list[dict]:
    return wh.query(
        f"""
        SELECT indicator, region_code, value, rank FROM league_table
        WHERE as_of = ? AND indicator IN ({", ".join("?" * len(indicators))})
        """,
        [as_of, *indicators],
    ).to_dicts()


def summary_rows(pdf) -> dict[str, str]:
    """The summary table's rows: each target's name → the text of its row (cells in reading
    order, spaces removed — pdftotext's spacing between glyphs varies)."""
    text = re.sub(r"\s+", "", pdftotext(pdf, raw=True))
    start = re.search(r"目标领域基期值(最新值|\d{4}年末值)目标值完成进度", text).start()
    table = text[start : text.index("完成进度=（", start)]
    return table


def row_line(table: str, name: str) -> str:
    """The row of target ``name`` in the summary table: the text after the name's first six
    characters (a long name wraps in its cell, and pdftotext reads the rest of it later)."""
    key = name.replace(" ", "")[:6]
    at = table.find(key)
    assert at >= 0, f"{name!r} not in the summary table"
    return table[at + len(key) : at + len(key) + 80]


@pytest.fixture(scope="module")
def reports_dir(demo_computed, tmp_path_factory, monkeypatch_module):
    """The province's and 无锡's final reports (PDF + Excel), and 无锡's mid-term PDF, written
    by `databrain report` as a user (or cron) runs it."""
    out = tmp_path_factory.mktemp("reports")
    monkeypatch_module.setenv("DATABRAIN_DB", str(demo_computed.path))
    runner = CliRunner()
    for region in ("320000", WUXI):
        args = ["report", "--target-set", SET, "--as-of", "2025-12", "--region", region]
        result = runner.invoke(cli, [*args, "--format", "pdf", "--format", "xlsx", "-o", str(out)])
        assert result.exit_code == 0, result.output
    mid = runner.invoke(
        cli, ["report", "--as-of", "2023-12", "--region", WUXI, "-o", str(out / "mid"), "--json"]
    )
    assert mid.exit_code == 0, mid.output
    return out


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def one(directory, pattern: str):
    found = sorted(directory.glob(pattern))
    assert len(found) == 1, f"{pattern}: {found}"
    return found[0]


# --- phases ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "as_of, kind, title",
    [
        (dt.date(2022, 6, 30), "monitoring", "实施监测报告"),
        (dt.date(2023, 1, 31), "midterm", "中期评估报告"),
        (dt.date(2023, 12, 31), "midterm", "中期评估报告"),
        (dt.date(2025, 11, 30), "monitoring", "实施监测报告"),
        (dt.date(2025, 12, 31), "final", "总结评估报告"),
        (dt.date(2026, 11, 30), "final", "总结评估报告"),
    ],
)
def test_report001_evaluation_kind_follows_the_plan_calendar(as_of, kind, title):
    p = phase(2025, 2023, as_of)
    assert (p.kind, p.report_title) == (kind, title)


# --- PDF ---------------------------------------------------------------------------------------


def test_report002_province_pdf_figures_equal_the_warehouse(reports_dir, demo_computed):
    pdf = one(reports_dir, "2025-12_320000_*总结评估报告*.pdf")
    text = pdftotext(pdf)
    table = summary_rows(pdf)
    assert "江苏省“十四五”数字政府建设规划总结评估报告" in text.replace(" ", "")
    assert "模拟数据" in text
    rows = progress_rows(demo_computed, "320000", FINAL)
    assert len(rows) >= 10
    for r in rows:
        line = row_line(table, r["name_zh"])
        figures = [shown(r["baseline_value"], r["unit"], r["decimals"])]
        figures.append(shown(r["current_value"], r["unit"], r["decimals"]))
        if r["target_value"] is not None:
            figures.append(shown(r["target_value"], r["unit"], r["decimals"]))
        pos = 0
        for fig in figures:  # in this order on the target's line
            found = line.find(fig.replace(" ", ""), pos)
            assert found >= 0, f"{r['name_zh']}: {fig!r} not after column {pos} in {line!r}"
            pos = found + len(fig.replace(" ", ""))
    # the summary counts of the final evaluation
    finals = [r["final_status"] for r in rows if r["final_status"]]
    compact = re.sub(r"\s+", "", text)
    achieved, missed = finals.count("achieved"), finals.count("not_achieved")
    assert f"到期达成{achieved}项、到期未达成{missed}项" in compact
    # the 13-city league table of a target lists every city with its value
    names = dict(cities().select("region_code", "name_zh").iter_rows())
    league = league_rows(demo_computed, FINAL, ["system_cloud_rate"])
    assert len(league) == 13
    for r in league:
        assert names[r["region_code"]] in text
        assert shown(r["value"], "%", 1) in text


def test_report003_city_pdf_has_its_own_figures_and_ranks_and_no_other_city(
    reports_dir, demo_computed
):
    pdf = one(reports_dir, f"2025-12_{WUXI}_无锡市_总结评估报告*.pdf")
    text = pdftotext(pdf)
    table = summary_rows(pdf)
    compact = re.sub(r"\s+", "", text)
    assert "无锡市·江苏省“十四五”数字政府建设规划总结评估报告" in compact
    rows = progress_rows(demo_computed, WUXI, FINAL)
    for r in rows:
        line = row_line(table, r["name_zh"])
        assert shown(r["current_value"], r["unit"], r["decimals"]).replace(" ", "") in line
    league = league_rows(demo_computed, FINAL, [r["indicator"] for r in rows])
    own = {r["indicator"]: r for r in league if r["region_code"] == WUXI}
    assert own
    flat = re.sub(r"\s+", "", pdftotext(pdf, layout=False))
    ranks = flat[flat.index("本市数值得分排名") : flat.index("本市目标状态一览")]
    scores = {
        r["indicator"]: r["score"]
        for r in demo_computed.query(
            "SELECT indicator, score FROM league_table WHERE as_of = ? AND region_code = ?",
            [FINAL, WUXI],
        ).to_dicts()
    }
    for r in rows:
        if r["indicator"] in own:
            mine = own[r["indicator"]]
            value = shown(mine["value"], r["unit"], r["decimals"]).replace(" ", "")
            cell = f"{r['name_zh'].replace(' ', '')}"
            assert cell in ranks
            # its value, its 0–100 score and its rank among the 13, in that order
            assert f"{value}{scores[r['indicator']]:.1f}{mine['rank']}/13" in ranks
    others = cities().filter(cities()["region_code"] != WUXI)["name_zh"].to_list()
    for name in others:
        assert name not in compact, f"无锡's report mentions {name}"
        assert name.removesuffix("市") not in compact, f"无锡's report mentions {name}"
    # the rank section lists the city's own rows only: one rank per indicator it is ranked on
    assert len(re.findall(r"\d+/13", ranks)) == len(own)


def test_report004_midterm_report_uses_only_what_was_known(reports_dir, demo_computed):
    pdf = one(reports_dir / "mid", f"2023-12_{WUXI}_无锡市_中期评估报告*.pdf")
    text = pdftotext(pdf)
    table = summary_rows(pdf)
    assert "中期评估报告" in re.sub(r"\s+", "", text)
    for r in progress_rows(demo_computed, WUXI, MIDTERM):
        figure = shown(r["current_value"], r["unit"], r["decimals"]).replace(" ", "")
        assert figure in row_line(table, r["name_zh"])
    later = progress_rows(demo_computed, WUXI, FINAL)
    assert "总结评估" not in re.sub(r"\s+", "", text.split("附录一")[0])
    assert any(
        r["current_value"] != m["current_value"]
        for r, m in zip(later, progress_rows(demo_computed, WUXI, MIDTERM), strict=True)
    )


def test_report005_pdf_embeds_its_cjk_fonts(reports_dir):
    pdf = one(reports_dir, "2025-12_320000_*.pdf")
    out = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    fonts = [ln.split() for ln in out.splitlines()[2:] if ln.strip()]
    assert any("CJK" in f[0] for f in fonts)
    for f in fonts:
        # columns: name type... emb sub uni object ID: emb is the 5th from the end
        assert f[-5] == "yes", f"font not embedded: {f}"


def cover_lines(pdf, page: int = 1) -> list[str]:
    """A page's lines as laid out (the cover's by default), spaces removed."""
    exe = shutil.which("pdftotext")
    assert exe, "pdftotext is missing: run `scripts/setup.sh --test` as root (poppler-utils)"
    args = [exe, "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"]
    text = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return [re.sub(r"\s+", "", line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize(
    "pattern, phrases",
    [
        # the plan's name (indicators/targets/jiangsu-14fyp-digital-gov.yaml) and the kind of
        # report the as-of calls for: 2025-12 ends the plan (总结), 2023-12 is its mid-term year
        ("2025-12_320000_*.pdf", ["江苏省“十四五”数字政府建设规划", "总结评估报告"]),
        ("2025-12_320200_*.pdf", ["无锡市", "江苏省“十四五”数字政府建设规划", "总结评估报告"]),
        ("mid/2023-12_320200_*.pdf", ["无锡市", "江苏省“十四五”数字政府建设规划", "中期评估报告"]),
    ],
)
def test_report005b_cover_title_breaks_only_between_phrases(reports_dir, pattern, phrases):
    lines = cover_lines(one(reports_dir, pattern))
    # the title's lines are those holding its first phrase through its last
    first = next(i for i, ln in enumerate(lines) if phrases[0][:3] in ln)
    last = next(i for i, ln in enumerate(lines) if ln.endswith(phrases[-1][-2:]))
    title = lines[first : last + 1]
    assert "".join(title).startswith(phrases[0]), title
    assert "".join(title).replace("·", "") == "".join(phrases), title
    for phrase in phrases:  # each phrase whole on one line
        assert any(phrase in ln for ln in title), (phrase, title)
    # the running header of the next page still carries the whole title
    header = cover_lines(one(reports_dir, pattern), 2)[0]
    assert "".join(phrases) in header.replace("·", ""), header


def test_report006_same_data_and_as_of_give_the_same_bytes(demo_computed):
    from reports.pdf import render_pdf
    from reports.workbook import render_xlsx

    a = build_report(demo_computed, SET, WUXI, "2024-06")
    b = build_report(demo_computed, SET, WUXI, "2024-06")
    assert render_pdf(a) == render_pdf(b)
    assert render_xlsx(a) == render_xlsx(b)
    assert a.phase.kind == "monitoring" and a.as_of == dt.date(2024, 6, 30)


# --- Excel -------------------------------------------------------------------------------------


def sheet_rows(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    return [
        dict(zip(header, [c.value for c in row], strict=True)) for row in ws.iter_rows(min_row=2)
    ]


def test_report007_province_workbook_equals_the_warehouse(reports_dir, demo_computed, demo_files):
    book = openpyxl.load_workbook(one(reports_dir, "2025-12_320000_*.xlsx"))
    assert book.sheetnames[0] == "目标评估" and book.sheetnames[-1] == "说明"
    ws = book["目标评估"]
    assert ws.freeze_panes == "A2"
    got = {r["指标代码"]: r for r in sheet_rows(ws)}
    for r in progress_rows(demo_computed, "320000", FINAL):
        # at the deadline's own vintage the latest value is the value at the deadline
        row = got[r["indicator"]]
        assert row["期末值（评估所据）"] == pytest.approx(r["current_value"], abs=1e-9)
        if r["target_value"] is not None:
            assert row["目标值"] == r["target_value"]
        verdict = row["总结评估（2025 年末）"]
        if r["final_status"] == "achieved":
            assert verdict.startswith("到期达成")
        elif r["final_status"] == "not_achieved":
            assert verdict.startswith("到期未达成，差 ")
        else:  # a qualitative target: its trend reading, never a final word
            assert "到期" not in verdict
    league = sheet_rows(book["目标排名"])
    expected = league_rows(demo_computed, FINAL, list(got))
    assert len(league) == len(expected)
    by_key = {(r["地区代码"], r["指标"]): r for r in league}
    names = {r["indicator"]: r["name_zh"] for r in progress_rows(demo_computed, "320000", FINAL)}
    for r in expected:
        cell = by_key[(r["region_code"], names[r["indicator"]])]
        assert cell["排名（共 13 市）"] == r["rank"]
        assert cell["数值"] == pytest.approx(r["value"], abs=1e-9)
    about = "\n".join(
        str(c.value) for row in book["说明"].iter_rows() for c in row if c.value is not None
    )
    assert "模拟数据" in about and "2025年12月31日" in about and SET in about
    sha = hashlib.sha256(demo_files["info_systems"].read_bytes()).hexdigest()
    assert sha in about  # the source file's checksum, computed here from the file itself


def test_report007b_workbook_years_are_plain_integers(reports_dir):
    """目标年 and 年度 are years: the plan's target year 2025 (indicators/targets/
    jiangsu-14fyp-digital-gov.yaml) is stored as the number 2025 with format "0" (shown 2025,
    not 2,025)."""
    book = openpyxl.load_workbook(one(reports_dir, "2025-12_320000_*.xlsx"))
    ws = book["目标评估"]
    column = [c.value for c in ws[1]].index("目标年") + 1
    cells = [row[column - 1] for row in ws.iter_rows(min_row=2) if row[column - 1].value]
    assert cells
    for cell in cells:
        assert cell.value == 2025 and cell.number_format == "0", (cell.value, cell.number_format)
    if "重点任务" in book.sheetnames:
        ws = book["重点任务"]
        column = [c.value for c in ws[1]].index("年度")
        years = [row[column] for row in ws.iter_rows(min_row=2) if row[column].value]
        assert years
        for cell in years:
            assert 2021 <= cell.value <= 2025 and cell.number_format == "0"


def test_report008_city_workbook_holds_only_the_city(reports_dir, demo_computed):
    book = openpyxl.load_workbook(one(reports_dir, f"2025-12_{WUXI}_*.xlsx"))
    league = sheet_rows(book["目标排名"])
    assert league and {r["地区代码"] for r in league} == {WUXI}
    expected = {
        (r["indicator"], r["rank"])
        for r in league_rows(
            demo_computed,
            FINAL,
            [r["indicator"] for r in progress_rows(demo_computed, WUXI, FINAL)],
        )
        if r["region_code"] == WUXI
    }
    assert len(league) == len(expected)
    assert {r["城市"] for r in sheet_rows(book["目标状态"])} == {"无锡市"}
    assert {r["城市"] for r in sheet_rows(book["综合指数"])} == {"无锡市"}
    assert {r["地区"] for r in sheet_rows(book["风险预警"])} <= {"无锡市"}
    got = {r["指标代码"]: r for r in sheet_rows(book["目标评估"])}
    for r in progress_rows(demo_computed, WUXI, FINAL):
        assert got[r["indicator"]]["期末值（评估所据）"] == pytest.approx(
            r["current_value"], abs=1e-9
        )
    others = [n for n in cities()["name_zh"].to_list() if n != "无锡市"]
    for ws in book:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    assert not any(n in c.value for n in others), (ws.title, c.value)


# --- batch (cron) and errors -------------------------------------------------------------------


def test_report009_all_cities_batch_writes_14_workbooks_and_a_manifest(
    demo_computed, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABRAIN_DB", str(demo_computed.path))
    out = tmp_path / "batch"
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--as-of",
            "2025-12",
            "--all-cities",
            "--format",
            "xlsx",
            "-o",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = manifest["files"]
    assert len(files) == 14
    assert {f["region_code"] for f in files} == {"320000", *cities()["region_code"].to_list()}
    for f in files:
        data = (out / f["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
        assert f["evaluation"] == "总结评估"
    assert not list(out.glob(".*.part"))


@pytest.mark.parametrize(
    "args, message",
    [
        (["--as-of", "2025-13"], "YYYY-MM"),
        (["--region", "999999"], "未知地区代码"),
        (["--target-set", "nope"], "未知目标集"),
        (["--region", "320200", "--all-cities"], "只能选一个"),
    ],
)
def test_report010_bad_arguments_are_refused_in_chinese(
    demo_computed, tmp_path, monkeypatch, args, message
):
    monkeypatch.setenv("DATABRAIN_DB", str(demo_computed.path))
    result = CliRunner().invoke(cli, ["report", *args, "-o", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert message in result.output
    assert not list((tmp_path / "x").glob("*.pdf")) if (tmp_path / "x").exists() else True


# --- render jobs (the /reports page) -----------------------------------------------------------


def wait_done(key: str, wh, timeout: float = 120) -> dict:
    from reports import jobs

    deadline = time.time() + timeout
    seen = set()
    while time.time() < deadline:
        s = jobs.status(key, wh)
        seen.add(s["state"])
        if s["state"] in ("done", "error"):
            s["seen"] = seen
            return s
        time.sleep(0.2)
    raise AssertionError(f"job {key} did not finish: {jobs.status(key, wh)}")


def test_report011_a_render_job_runs_in_its_own_process_and_is_reused(demo_computed):
    from reports import jobs
    from reports.workbook import render_xlsx

    key = jobs.start(demo_computed, target_set=SET, region=WUXI, as_of="2025-12", fmt="xlsx")
    again = jobs.start(demo_computed, target_set=SET, region=WUXI, as_of="2025-12", fmt="xlsx")
    assert again == key
    s = wait_done(key, demo_computed)
    assert s["state"] == "done", s
    path, name = jobs.result(key, demo_computed)
    assert name.startswith("2025-12_320200_无锡市_总结评估报告")
    assert path.read_bytes() == render_xlsx(build_report(demo_computed, SET, WUXI, "2025-12"))
    started = jobs.status(key, demo_computed)["started"]
    assert (
        jobs.start(demo_computed, target_set=SET, region=WUXI, as_of="2025-12", fmt="xlsx") == key
    )
    assert jobs.status(key, demo_computed)["started"] == started  # the finished file is reused


def test_report012_bad_job_parameters_are_refused_before_any_process_starts(demo_computed):
    from reports import jobs

    before = sorted(p.name for p in jobs.jobs_dir(demo_computed).iterdir())
    with pytest.raises(ValueError, match="未知地区代码"):
        jobs.start(demo_computed, target_set=SET, region="999999", as_of="2025-12", fmt="pdf")
    with pytest.raises(ValueError, match="未知格式"):
        jobs.start(demo_computed, target_set=SET, region=WUXI, as_of=None, fmt="docx")
    with pytest.raises(ValueError, match="未知目标集"):
        jobs.start(demo_computed, target_set="nope", region=WUXI, as_of=None, fmt="pdf")
    assert sorted(p.name for p in jobs.jobs_dir(demo_computed).iterdir()) == before
    assert jobs.status("../../etc", demo_computed) == {"state": "missing"}


def test_report013_a_render_whose_process_dies_is_started_again(demo_computed):
    import os
    import signal

    from datasets.jobs import MAX_ATTEMPTS
    from reports import jobs

    key = jobs.start(demo_computed, target_set=SET, region="320000", as_of="2024-03", fmt="pdf")
    pid = jobs.status(key, demo_computed)["pid"]
    os.kill(pid, signal.SIGKILL)
    s = wait_done(key, demo_computed, timeout=240)
    assert s["state"] == "done" and s["attempt"] == 2 and s["pid"] != pid
    assert f"已自动重新开始（第 2/{MAX_ATTEMPTS} 次）" in s["message"] or s["message"] == "完成"
    path, _name = jobs.result(key, demo_computed)
    assert path.read_bytes().startswith(b"%PDF")


def test_report019_a_render_whose_version_was_collected_renders_the_current_one(demo_computed):
    """A render whose pinned version is gone (its lease expired, a load collected it) says so
    and renders the version current now, instead of failing."""
    from datasets import jobs as runner
    from reports import jobs

    current = demo_computed.current_file()
    key = "c" * 20
    gone = current.with_name("v999998.duckdb")  # as if collected
    params = {
        "target_set": SET,
        "region": "320000",
        "as_of": "2024-03-31",
        "format": "xlsx",
        "warehouse": str(gone),
        "lease": str(demo_computed.lease(gone, key)),  # expired, but its file still there
        "scope": None,
    }
    runner.start(jobs.KIND, key, params, module="reports.jobs", warehouse_path=demo_computed.path)
    s = wait_done(key, demo_computed, timeout=240)
    assert s["state"] == "done" and s["attempt"] == 2
    assert s["version"] == current.stem
    job = runner.job_path(jobs.KIND, key, demo_computed.path)
    assert (job / s["file"]).is_file()
    leases = demo_computed.versions_dir / "leases"
    assert not list(leases.glob(f"*.{key}.lease"))  # the old lease and the new one given back


def test_report014_an_as_of_before_the_first_vintage_is_refused(demo_computed):
    first = demo_computed.query("SELECT min(as_of) AS d FROM target_progress")["d"][0]
    with pytest.raises(ValueError, match="早于最早可评估的月份"):
        build_report(demo_computed, SET, WUXI, f"{first.year - 1}-06")


def test_report015_batches_into_one_directory_keep_one_manifest(
    demo_computed, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABRAIN_DB", str(demo_computed.path))
    out = tmp_path / "cron"
    for fmt in ("xlsx", "pdf"):
        args = ["report", "--as-of", "2025-12", "--region", WUXI, "--format", fmt, "-o", str(out)]
        assert CliRunner().invoke(cli, args).exit_code == 0
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert sorted(f["format"] for f in files) == ["pdf", "xlsx"]
    for f in files:
        assert hashlib.sha256((out / f["file"]).read_bytes()).hexdigest() == f["sha256"]


def test_report016_demo_rows_left_after_a_real_load_keep_the_synthetic_flag(
    warehouse, demo_files, items_csv
):
    from datasets.ingest import ingest
    from reports.tables import provenance

    ingest([demo_files["service_items"]], warehouse=warehouse)
    ingest([items_csv], warehouse=warehouse)  # the newest load is real, the demo rows remain
    newest = warehouse.query("SELECT synthetic_rows FROM _loads ORDER BY load_id DESC LIMIT 1")
    assert newest["synthetic_rows"][0] == 0
    assert provenance(warehouse, title="t", datasets=["service_items"]).synthetic


def test_report017_a_bundle_job_zips_the_province_and_every_city(demo_computed, tmp_path):
    import io
    import zipfile

    from reports import jobs

    key = jobs.start(demo_computed, target_set=SET, region="all", as_of="2025-12", fmt="xlsx")
    s = wait_done(key, demo_computed)
    assert s["state"] == "done", s
    path, name = jobs.result(key, demo_computed)
    assert name.endswith("_xlsx.zip") and "全省及13市" in name
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
        books = {n: zf.read(n) for n in names if n.endswith(".xlsx")}
    assert len(books) == 14
    assert {f["region_code"] for f in manifest["files"]} == {
        "320000",
        *cities()["region_code"].to_list(),
    }
    for f in manifest["files"]:
        data = books[f["file"]]
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
        league = sheet_rows(openpyxl.load_workbook(io.BytesIO(data))["目标排名"])
        codes = {r["地区代码"] for r in league}
        assert codes == ({f["region_code"]} if f["region_code"] != "320000" else codes)
        assert len(codes) == (13 if f["region_code"] == "320000" else 1)


# --- one verdict per target in both formats ----------------------------------------------------

VERDICT_WORDS = {
    "final_achieved": "到期达成",
    "final_not_achieved": "到期未达成",
    "achieved": "已达成",
    "on_track": "进度正常",
    "acceleration_needed": "需加速",
    "limited_progress": "进展有限",
    "deterioration": "退步",
    "not_assessable": "无法评估",
}
# longest first, so 到期未达成 is not read as 未达成
_WORDS = sorted(VERDICT_WORDS.values(), key=len, reverse=True)
_BADGE = re.compile(r"[✔✘●▲■▼○](" + "|".join(_WORDS) + ")")


@pytest.fixture(scope="module")
def newest_reports(demo_computed, tmp_path_factory, monkeypatch_module):
    """The province's and 无锡's final reports at the newest as-of (after the deadline, when
    values reached since could tempt a second verdict), PDF and Excel."""
    out = tmp_path_factory.mktemp("newest-reports")
    monkeypatch_module.setenv("DATABRAIN_DB", str(demo_computed.path))
    newest = demo_computed.query("SELECT max(as_of) AS d FROM target_progress")["d"][0]
    runner = CliRunner()
    for region in ("320000", WUXI):
        args = ["report", "--as-of", f"{newest:%Y-%m}", "--region", region, "-o", str(out)]
        result = runner.invoke(cli, [*args, "--format", "pdf", "--format", "xlsx"])
        assert result.exit_code == 0, result.output
    return out, newest


def expected_verdict(wh, region: str, as_of: dt.date) -> dict[str, str]:
    """indicator → the one verdict, worked out from the stored columns."""
    return {
        r["indicator"]: f"final_{r['final_status']}" if r["final_status"] else r["status"]
        for r in progress_rows(wh, region, as_of)
    }


def pdf_verdicts(pdf, names: dict[str, str]) -> dict[str, set[str]]:
    """Every verdict word printed for a target: in its summary row, its block's head and the
    list of targets needing attention (badges carry a symbol; the list writes name（word…）)."""
    flat = re.sub(r"\s+", "", pdftotext(pdf, raw=True))
    # the heatmap (legend and short cell words) is read by heat_cells
    start = min(flat.find(h) for h in ("本市目标状态一览", "城市×目标状态热力图") if h in flat)
    flat = flat[:start] + flat[flat.index("四、风险预警", start) :]
    found: dict[str, set[str]] = {}
    for code, name in names.items():
        key = name.replace(" ", "")
        for m in re.finditer(re.escape(key), flat):
            tail = flat[m.end() : m.end() + 70]
            badge = _BADGE.search(tail)
            # a badge belongs to this name when no other target's name comes first
            if badge and not any(
                other.replace(" ", "") in tail[: badge.start()]
                for other in names.values()
                if other != name
            ):
                found.setdefault(code, set()).add(badge.group(1))
            listed = re.match("（(" + "|".join(_WORDS) + ")", tail)
            if listed:
                found.setdefault(code, set()).add(listed.group(1))
    return found


HEAT_WORDS = {
    "达成": "final_achieved",
    "未达成": "final_not_achieved",
    "已达成": "achieved",
    "正常": "on_track",
    "加速": "acceleration_needed",
    "有限": "limited_progress",
    "退步": "deterioration",
    "—": "not_assessable",
}


def heat_cells(pdf, region_name: str) -> list[str]:
    """The verdicts in a city report's own heatmap row, in order."""
    flat = re.sub(r"\s+", "", pdftotext(pdf, raw=True))
    section = flat[flat.index("本市目标状态一览") : flat.index("四、风险预警")]
    row = section[section.index(region_name) :]
    words = "|".join(sorted(HEAT_WORDS, key=len, reverse=True))
    cells = re.match(f"{region_name}((?:[✔✘●▲■▼○](?:{words}))+)", row)
    assert cells, row[:120]
    return [HEAT_WORDS[w] for w in re.findall(f"[✔✘●▲■▼○]({words})", cells.group(1))]


@pytest.mark.parametrize("region", ["320000", WUXI])
def test_report014_pdf_shows_one_verdict_per_target(newest_reports, demo_computed, region):
    out, newest = newest_reports
    pdf = one(out, f"{newest:%Y-%m}_{region}_*.pdf")
    rows = progress_rows(demo_computed, region, newest)
    names = {r["indicator"]: r["name_zh"] for r in rows}
    expected = expected_verdict(demo_computed, region, newest)
    found = pdf_verdicts(pdf, names)
    assert len(found) == len(rows), (
        f"targets without a verdict in the PDF: {set(names) - set(found)}"
    )
    for code, words in found.items():
        assert words == {VERDICT_WORDS[expected[code]]}, (names[code], words, expected[code])
    # after the deadline no quantified target is read by a later value
    assert all(w not in {"已达成"} for ws in found.values() for w in ws)
    if region != "320000":  # a city's report repeats its own row of the heatmap
        name = dict(cities().select("region_code", "name_zh").iter_rows())[region]
        assert sorted(heat_cells(pdf, name)) == sorted(expected.values())


@pytest.mark.parametrize("region", ["320000", WUXI])
def test_report015_workbook_shows_one_verdict_per_target(newest_reports, demo_computed, region):
    out, newest = newest_reports
    book = openpyxl.load_workbook(one(out, f"{newest:%Y-%m}_{region}_*.xlsx"))
    expected = expected_verdict(demo_computed, region, newest)
    targets = {r["指标代码"]: r for r in sheet_rows(book["目标评估"])}
    column = "总结评估（2025 年末）"
    assert set(targets) == set(expected)
    for code, row in targets.items():
        word = VERDICT_WORDS[expected[code]]
        assert re.match(word + "($|，|（)", row[column]), (code, row[column], word)
    # the city × target sheet: every region's verdict equals the stored one
    names = {r["name_zh"]: r["region_code"] for r in cities().to_dicts()}
    by_name = {r["indicator"]: r["name_zh"] for r in progress_rows(demo_computed, region, newest)}
    cells = sheet_rows(book["目标状态"])
    assert cells
    for cell in cells:
        code = next(k for k, v in by_name.items() if v == cell["目标指标"])
        want = expected_verdict(demo_computed, names[cell["城市"]], newest)[code]
        assert cell[column] == VERDICT_WORDS[want], cell


def test_report018_a_render_keeps_its_version_through_loads_that_follow(demo_computed, tmp_path):
    """The version a render is pinned to is leased: four loads meanwhile (more than the versions
    kept) do not collect it, the render finishes, and the lease is released when it ends."""
    from reports import jobs

    copy = tmp_path / "wh" / "demo.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(demo_computed.current_file(), copy)
    wh = Warehouse(copy)
    with wh.writer():
        pass  # the copy becomes a versioned warehouse
    key = jobs.start(wh, target_set=SET, region=WUXI, as_of="2025-12", fmt="xlsx")
    pinned = Path(json.loads((jobs.jobs_dir(wh) / key / "params.json").read_text())["warehouse"])
    for _ in range(4):
        with wh.writer():
            pass
    assert pinned.exists() and pinned != wh.current_file()
    s = wait_done(key, wh, timeout=300)
    assert s["state"] == "done", s
    assert list((wh.versions_dir / "leases").glob("*.lease")) == []  # released at the end
    with wh.writer():
        pass
    assert not pinned.exists()  # collected once nobody holds it


def test_report020_a_render_beyond_the_job_limit_is_refused_and_gives_its_lease_back(
    demo_computed, monkeypatch
):
    from datasets import jobs as runner
    from reports import jobs

    monkeypatch.setenv("DATABRAIN_MAX_JOBS", "2")
    monkeypatch.setattr(runner, "active_jobs", lambda warehouse_path: 2)
    leases = demo_computed.versions_dir / "leases"
    before = sorted(leases.iterdir()) if leases.exists() else []
    with pytest.raises(runner.Busy, match="当前已有 2 个任务在排队或运行（上限 2 个），请稍后再试"):
        jobs.start(demo_computed, target_set=SET, region="320000", as_of="2024-03", fmt="xlsx")
    assert (sorted(leases.iterdir()) if leases.exists() else []) == before
