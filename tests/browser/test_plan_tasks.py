"""重点任务 in the browser: every milestone cell says the progress the ledger reader gives at the
as-of; the URL filters and replays."""

from __future__ import annotations

import datetime as dt

from indicators import plan_tasks
from tests.browser.conftest import Page, vintage_of

SET = "jiangsu-14fyp-digital-gov"


def _cells(page) -> dict[str, str]:
    page.wait_for_selector("#plan-tasks-table")
    return {
        el.get_attribute("data-milestone"): el.locator("[data-progress]").get_attribute(
            "data-progress"
        )
        for el in page.locator("td[data-milestone]").all()
    }


def test_plan_tasks_page001_cells_are_the_ledger(browser, server, app_warehouse):
    tab = Page(browser, server, 1600, 1000, user="leader")
    for month in (None, "2023-06"):
        when = vintage_of(app_warehouse, month)
        expected = plan_tasks.milestones(app_warehouse, SET, when)
        page = tab.open("/plan-tasks" + (f"?as_of={month}" if month else ""))
        cells = _cells(page)
        assert cells == {
            f"{r['task_id']}|{r['milestone_year']}": r["progress"]
            for r in expected.iter_rows(named=True)
        }
        counts = plan_tasks.counts(expected)
        shown = page.locator("#plan-tasks-counts").inner_text()
        assert all(f"{s}\n{n}" in shown for s, n in counts.items()), shown
    tab.screenshot("plan-tasks-2023-06")
    late = plan_tasks.lagging(plan_tasks.milestones(app_warehouse, SET, dt.date(2023, 6, 30)))
    page = tab.open("/plan-tasks?as_of=2023-06&status=滞后")
    rows = {el.get_attribute("data-task") for el in page.locator("tr[data-task]").all()}
    assert rows == set(late["task_id"]) or (not rows and late.is_empty())
    assert tab.errors == [], tab.errors
    tab.page.close()
