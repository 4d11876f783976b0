"""规划编制 in the browser, on a warehouse of its own: a 数据管理员 drafts a 2026–2030 target set
from the finished 14th plan (baselines from 2025, a typed target, a city split, P(reach)),
saves it, and the plan is tracked at once — cockpit and /targets, forecasts to 2030, a report;
roles without the right cannot save or download, whatever request they craft."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from datasets.warehouse import Warehouse
from indicators import planning, read_risk
from indicators.catalog import load_catalog
from tests.browser.conftest import Page, databrain, serving
from tests.browser.test_access_attack import Client

PLAN = "jiangsu-test-15fyp"
INDICATOR = "system_cloud_rate"  # the browser warehouse forecasts it for 全省 and 连云港
CITY = "320700"


@pytest.fixture(scope="module")
def plan_env(server_env, app_warehouse, tmp_path_factory) -> dict:
    """A copy of the browser tests' warehouse folder (data, versions, accounts): saving a plan
    writes a new version and a plan file, which the other tests must not see."""
    folder = tmp_path_factory.mktemp("planning-wh")
    shutil.copytree(app_warehouse.path.parent, folder, dirs_exist_ok=True)
    env = {**server_env, "DATABRAIN_DB": str(folder / app_warehouse.path.name)}
    env.pop("DATABRAIN_PLANS", None)
    return env


@pytest.fixture(scope="module")
def plan_server(plan_env):
    with serving(plan_env, "planning-server") as url:
        yield url


def _row(page, code: str):
    return page.locator(f'tr[data-indicator="{code}"]')


def _probability(locator) -> float:
    locator.locator("[data-probability]").wait_for(timeout=60_000)
    return float(locator.locator("[data-probability]").get_attribute("data-probability"))


def test_planning_page001_draft_save_and_track(browser, plan_server, plan_env):
    wh = Warehouse(plan_env["DATABRAIN_DB"])
    tab = Page(browser, plan_server, 1600, 1000, user="data")
    saves: list[str] = []
    tab.page.on(
        "request",
        lambda r: (
            saves.append(r.post_data)
            if "/_dash-update-component" in r.url
            and r.post_data
            and "planning-save-job" in r.post_data
            else None
        ),
    )
    page = tab.open("/planning")
    page.wait_for_selector("#planning-table")

    # the baseline is the warehouse's 2025 value, with where it comes from
    truth = wh.query(
        """
        SELECT arg_max(value, known_from) AS v FROM indicator_values
        WHERE indicator = ? AND region_code = '320000' AND period_type = 'year' AND period = '2025'
        """,
        [INDICATOR],
    )["v"][0]
    row = _row(page, INDICATOR)
    assert f"{truth:.1f}%" in row.inner_text()
    assert "2025 年值" in row.inner_text() and "政务信息系统" in row.inner_text()

    # a typed target: the pace it asks for and P(reach)
    box = row.locator("input[type=number]")
    box.fill("99")
    box.press("Enter")
    shown = _probability(row)
    assert 0 < shown < 1
    need = (99 - truth) / 5
    assert f"{need:+.1f} 个百分点/年" in row.inner_text()

    # split across the cities: 连云港 gets its own target and its own P(reach)
    page.click("#planning-split-indicator")
    page.get_by_role("option", name="非涉密系统整合上云率").click()
    city = page.locator(f'tr[data-city="{CITY}"]')
    city_input = city.locator("input[type=number]")
    page.wait_for_function(
        f"() => document.querySelector('tr[data-city=\"{CITY}\"] input').value !== ''"
    )
    city_target = float(city_input.input_value())
    city_shown = _probability(city)
    base_city = wh.query(
        """
        SELECT arg_max(value, known_from) AS v FROM indicator_values
        WHERE indicator = ? AND region_code = ? AND period_type = 'year' AND period = '2025'
        """,
        [INDICATOR, CITY],
    )["v"][0]
    # 等比例缩小差距: the city closes the same share of its gap to 100 % as the province
    closed = (99 - truth) / (100 - truth)
    assert city_target == pytest.approx(base_city + closed * (100 - base_city), abs=0.06)

    # the what-if answers for a city and a year
    page.click("#planning-whatif-indicator")
    page.get_by_role("option", name="非涉密系统整合上云率").click()
    page.click("#planning-whatif-city")
    page.get_by_role("option", name="连云港市").click()
    page.fill("#planning-whatif-value", "100")
    page.press("#planning-whatif-value", "Enter")
    page.wait_for_selector("#planning-whatif-province")
    tab.screenshot("planning-draft")

    # a 数据管理员 may save but not export: the download is not offered
    assert page.is_disabled("#planning-download-button")

    # save: the file validates, the plan is tracked at once
    page.fill("#planning-id", PLAN)
    page.click("#planning-save-button")
    page.wait_for_selector("#planning-saved, #planning-failed, #planning-problems", timeout=300_000)
    assert page.locator("#planning-saved").count() == 1, page.locator(
        "#planning-save-result"
    ).inner_text()
    folder = Path(plan_env["DATABRAIN_DB"]).parent / "plans"
    catalog = load_catalog(extra_targets_dir=folder)
    ts = catalog.target_sets[PLAN]
    assert (ts.status, ts.baseline_year, ts.target_year) == ("draft", 2025, 2030)
    assert ts.target(INDICATOR).target == 99.0
    assert ts.target(INDICATOR).city_targets[CITY] == city_target

    # the forecasts run to 2030, and the probability the batch computed for the saved target
    # is the one the workbench showed while it was typed
    wh = Warehouse(plan_env["DATABRAIN_DB"])
    ends = wh.query(
        "SELECT max(period) AS p FROM forecasts WHERE target_set = ? AND indicator = ?",
        [PLAN, INDICATOR],
    )["p"][0]
    assert ends == "2030-12"
    stored = dict(
        wh.query(
            "SELECT region_code, probability FROM forecast_models WHERE target_set = ?", [PLAN]
        ).iter_rows()
    )
    assert stored["320000"] == pytest.approx(shown, abs=0.03)
    assert stored[CITY] == pytest.approx(city_shown, abs=0.03)

    # a draft's warnings belong to it: not among the warnings pages show by default
    assert PLAN not in set(read_risk.warnings(wh)["target_set"].drop_nulls())
    mine = read_risk.warnings(wh, target_set=PLAN)
    assert set(mine["target_set"].drop_nulls()) <= {PLAN}

    # the cockpit and /targets track it; the plan bar names it as a draft
    page = tab.open(f"/?set={PLAN}")
    page.wait_for_selector(f'.plan-link.active[data-set="{PLAN}"]')
    assert "草案" in page.locator(f'.plan-link[data-set="{PLAN}"]').inner_text()
    assert "目标 99%（2030 年）" in page.locator("#_pages_content").inner_text()
    # the plan stays chosen from page to page
    page.wait_for_function(
        "() => [...document.querySelectorAll('#navbar a.nav-link')]"
        f".every(a => a.href.includes('set={PLAN}'))"
    )
    page = tab.open(f"/?set={PLAN}&screen=big")
    assert "草案" in page.locator(".big-plan").inner_text()
    page = tab.open(f"/targets?set={PLAN}")
    assert "2030" in page.locator("#_pages_content").inner_text()
    progress = wh.query("SELECT count(*) AS n FROM target_progress WHERE target_set = ?", [PLAN])[
        "n"
    ][0]
    assert progress > 0
    tab.screenshot("planning-tracked")
    assert tab.errors == [], tab.errors
    tab.page.close()

    # and the report renders it
    out = Path(plan_env["DATABRAIN_DB"]).parent / "report-out"
    databrain(["report", "--target-set", PLAN, "--format", "pdf", "-o", str(out)], plan_env)
    assert any(p.suffix == ".pdf" and p.stat().st_size > 10_000 for p in out.rglob("*"))

    # an analyst (export, no upload) downloads a draft: the file the catalog would read
    analyst = Page(browser, plan_server, 1600, 1000, user="analyst")
    page = analyst.open("/planning")
    box = _row(page, INDICATOR).locator("input[type=number]")
    box.fill("98.5")
    box.press("Enter")
    _probability(_row(page, INDICATOR))
    assert page.is_disabled("#planning-save-button")
    page.fill("#planning-id", f"{PLAN}-analyst")
    with page.expect_download() as got:
        page.click("#planning-download-button")
    assert got.value.suggested_filename == f"{PLAN}-analyst.yaml"
    drafted, problems = planning.validate_plan(Path(got.value.path()).read_text(encoding="utf-8"))
    assert problems == [] and drafted.target(INDICATOR).target == 98.5
    assert drafted.status == "draft" and drafted.target_year == 2030
    assert analyst.errors == [], analyst.errors
    analyst.page.close()

    # the save request replayed by roles without the right to upload: refused, nothing written
    assert saves, "the save click made no callback request"
    before = sorted(p.name for p in folder.iterdir())
    for user in ("analyst", "leader"):
        client = Client(plan_server)
        client.sign_in(user)
        status, _, _ = client.callback(saves[0].replace(PLAN, f"{PLAN}-{user}"))
        assert status == 403, user
    assert sorted(p.name for p in folder.iterdir()) == before
