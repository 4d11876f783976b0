"""数据质量 and 指标计算 on 数据管理 `/data` in real headless Chromium: one quality row per
dataset with figures equal to the warehouse's, the overall score, the last computation."""

from __future__ import annotations

import pytest

from datasets.schema import load_schemas

pytestmark = pytest.mark.browser


def test_data_quality001_a_row_per_dataset_with_the_warehouse_figures(tab, app_warehouse):
    page = tab.open("/data")
    table = page.locator("#data-quality-table")
    table.wait_for()
    rows = table.locator("tbody tr[data-dataset]")
    names = [rows.nth(i).get_attribute("data-dataset") for i in range(rows.count())]
    assert names == list(load_schemas())
    # hotline satisfaction is expected once a ticket is closed: its share is the weakest column
    closed = app_warehouse.query(
        "SELECT count(satisfaction) AS rated, count(*) AS n FROM hotline_tickets "
        "WHERE closed_at IS NOT NULL"
    ).row(0, named=True)
    hotline = table.locator('tr[data-dataset="hotline_tickets"]')
    assert f"最弱：满意度 {100 * closed['rated'] / closed['n']:.1f}%" in hotline.inner_text()
    # sharing requests still pending 60 days before the dataset's newest date
    pending = app_warehouse.query(
        "WITH e AS (SELECT greatest(max(requested_date), max(resolved_date)) AS d "
        "FROM data_sharing_requests) SELECT count(*) AS n FROM data_sharing_requests, e "
        "WHERE status = '办理中' AND requested_date < e.d - INTERVAL 60 DAY"
    )["n"][0]
    rule = table.locator(
        'tr[data-dataset="data_sharing_requests"] li[data-rule="pending_over_60_days"]'
    )
    assert rule.inner_text().endswith(f"：{pending:,}")
    assert "办理中超过 60 天" in rule.inner_text()
    # every loaded dataset has a timeliness label in words and a score; the total is their mean
    scores = [float(t) for t in table.locator(".quality-score").all_inner_texts()]
    assert len(scores) == len(names)
    assert float(page.inner_text("#data-quality-score")) == pytest.approx(
        sum(scores) / len(scores), abs=0.06
    )
    labels = table.locator("[data-timeliness]").all_inner_texts()
    assert all(label.strip().endswith(("及时", "滞后")) for label in labels)
    assert tab.errors == []


def test_data_quality002_compute_card(tab, app_warehouse):
    page = tab.open("/data")
    record = app_warehouse.query("SELECT * FROM _computed").row(0, named=True)
    card = page.locator("#data-compute-card")
    text = card.inner_text()
    assert record["computed_at"].isoformat(sep=" ", timespec="seconds") in text
    assert record["data_end"].isoformat() in text
    assert f"{record['value_rows']:,}" in text
    assert f"{record['seconds']:.1f} 秒" in text
    assert card.locator("code").get_attribute("title") == record["catalog_sha256"]
    assert tab.errors == []
