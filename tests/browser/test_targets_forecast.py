"""A target's detail shows its stored forecast with intervals and backtest accuracy."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_targetsforecast101_detail_shows_forecast_bands_and_accuracy(tab, app_warehouse):
    page = tab.open("/targets?target=system_cloud_rate&city=320700&as_of=2023-12")
    text = page.locator("#target-detail-forecast")
    text.wait_for()
    model = app_warehouse.query(
        "SELECT * FROM forecast_models WHERE indicator = 'system_cloud_rate' "
        "AND region_code = '320700' AND as_of = DATE '2023-12-31'"
    ).row(0, named=True)
    shown = text.inner_text()
    assert f"回测 MASE {model['mase']:.2f}" in shown
    assert f"达标概率 {100 * model['probability']:.0f}%" in shown
    page.wait_for_function(
        "() => { const g = document.querySelector('#target-detail-chart .js-plotly-plot');"
        " return g && g.data && g.data.some(t => t.name === '预测 80% 区间'); }"
    )
    assert tab.errors == []
