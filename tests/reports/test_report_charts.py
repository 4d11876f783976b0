"""SVG charts for the PDF report: nice ticks, the indicator path chart and the status bar.

Expected ticks are worked out by hand with Heckbert's rules (see each case's comment); chart
geometry is checked through relations (higher value → smaller y; equal values → equal y) rather
than pasted coordinates.
"""

from __future__ import annotations

import calendar
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from itertools import pairwise

import pytest

from reports.charts import _text_width, nice_ticks, path_chart, status_bar

NS = {"svg": "http://www.w3.org/2000/svg"}
SVG_TAG = "{http://www.w3.org/2000/svg}svg"


def year_end(year: int) -> date:
    return date(year, 12, 31)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == SVG_TAG
    return root


def points(element: ET.Element) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in element.get("points").split()]


def texts(root: ET.Element, cls: str | None = None) -> list[str]:
    return [
        t.text
        for t in root.iter("{http://www.w3.org/2000/svg}text")
        if cls in (None, t.get("class"))
    ]


def legend_texts(root: ET.Element) -> list[str]:
    legend = root.find("svg:g[@class='legend']", NS)
    return [t.text for t in legend.findall("svg:text", NS)]


def translate(element: ET.Element) -> tuple[float, float]:
    x, y = re.fullmatch(r"translate\(([-\d.]+) ([-\d.]+)\)", element.get("transform")).groups()
    return float(x), float(y)


# A completion rate: 40.5 (2021) → 89.9 (2025), 2026 running, required 30 (2020) → 80 (2025).
RATE_ACTUAL = [
    (year_end(y), v) for y, v in zip(range(2021, 2026), [40.5, 52.3, 63.0, 78.4, 89.9], strict=True)
]
RATE_REQUIRED = [(year_end(2020 + i), 30.0 + 10.0 * i) for i in range(6)]
RATE_FORECAST = [
    {
        "period_end": month_end(y, m),
        "mean": 91.0 + 0.2 * i,
        "lo80": 90.0 - 0.2 * i,
        "hi80": 92.0 + 0.4 * i,
        "lo95": 89.0 - 0.4 * i,
        "hi95": 93.0 + 0.5 * i,
    }
    for i, (y, m) in enumerate([(2026, 11), (2026, 12)] + [(2027, k) for k in range(1, 13)])
]


def rate_chart(**overrides) -> str:
    kwargs = dict(
        chart_id="rate",
        actual=RATE_ACTUAL,
        running=[(date(2026, 10, 31), 91.2)],
        required=RATE_REQUIRED,
        baseline=(year_end(2020), 30.0),
        target=(year_end(2025), 80.0),
        forecast=RATE_FORECAST,
        deadline=year_end(2025),
        unit="%",
        y_title="一件事通办完成率（%）",
    )
    kwargs.update(overrides)
    return path_chart(**kwargs)


# --------------------------------------------------------------------------------------------
# nice_ticks


@pytest.mark.parametrize(
    ("lo", "hi", "n", "expected"),
    [
        # range 100 → nice 100; step nice(100/4 = 25) rounds to 20.
        (0, 100, 5, [0, 20, 40, 60, 80, 100]),
        # range 5.9 → nice 10; step nice(2.5) = 2; floor(93.2/2)·2 = 92, ceil(99.1/2)·2 = 100.
        (93.2, 99.1, 5, [92, 94, 96, 98, 100]),
        # range 0.003 → nice 0.005; step nice(0.00125) = 0.001; the ends are already multiples.
        (0.001, 0.004, 5, [0.001, 0.002, 0.003, 0.004]),
        # range 35 → nice 50; step nice(12.5) = 10; floor(-3.7)·10 = -40, ceil(-0.2)·10 = 0.
        (-37, -2, 5, [-40, -30, -20, -10, 0]),
        # range 10 → nice 10; step nice(2.5) = 2; floor(-2.5)·2 = -6, ceil(2.5)·2 = 6.
        (-5, 5, 5, [-6, -4, -2, 0, 2, 4, 6]),
        # lo > hi is swapped.
        (100, 0, 5, [0, 20, 40, 60, 80, 100]),
        # lo == hi: widened to 5 ± 0.5; range 1 → nice 1; step nice(0.25) = 0.2; 4.4 … 5.6.
        (5, 5, 5, [4.4, 4.6, 4.8, 5.0, 5.2, 5.4, 5.6]),
        # lo == hi == 0: widened to ± 1; range 2; step nice(0.5) = 0.5.
        (0, 0, 5, [-1, -0.5, 0, 0.5, 1]),
        # A tiny range far from zero: range 0.0003 → nice 0.0005; step 0.0001.
        (1000.0001, 1000.0004, 5, [1000.0001, 1000.0002, 1000.0003, 1000.0004]),
        # range 0.2 → nice 0.2; step nice(0.05) = 0.05 — written 0.15, not 0.15000000000000002.
        (0.1, 0.3, 5, [0.1, 0.15, 0.2, 0.25, 0.3]),
        # More ticks asked: step nice(100/9 ≈ 11.1) = 10. Fewer: step nice(50) = 50.
        (0, 100, 10, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]),
        (0, 100, 3, [0, 50, 100]),
    ],
)
def test_charts001_nice_ticks(lo, hi, n, expected):
    assert nice_ticks(lo, hi, n) == expected


@pytest.mark.parametrize(("lo", "hi"), [(0.0, 1.0), (-3.3, 17.9), (12345.0, 98765.0), (1e-7, 3e-7)])
def test_charts002_nice_ticks_cover_range_evenly(lo, hi):
    ticks = nice_ticks(lo, hi)
    assert ticks[0] <= lo and ticks[-1] >= hi
    steps = {round(b - a, 12) for a, b in pairwise(ticks)}
    assert len(steps) == 1
    (step,) = steps
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 9) in (1, 2, 5)


def test_charts003_nice_ticks_reject_bad_input():
    with pytest.raises(ValueError, match="至少 2 个刻度"):
        nice_ticks(0, 1, 1)
    with pytest.raises(ValueError, match="有限数"):
        nice_ticks(0, float("nan"))


# --------------------------------------------------------------------------------------------
# path_chart


def test_charts010_path_chart_is_svg_with_size():
    root = parse(rate_chart(width=600, height=240))
    assert root.get("width") == "600" and root.get("height") == "240"
    assert root.get("viewBox") == "0 0 600 240"
    assert root.get("id") == "rate"
    assert "Noto Sans CJK SC" in root.get("font-family")


def test_charts011_path_chart_deterministic():
    assert rate_chart() == rate_chart()
    other = rate_chart(chart_id="rate2")
    assert other.replace('id="rate2"', 'id="rate"') == rate_chart()


def test_charts012_actual_path_scales():
    root = parse(rate_chart())
    line = points(root.find("svg:polyline[@class='actual']", NS))
    assert len(line) == 5
    xs, ys = [x for x, _ in line], [y for _, y in line]
    assert xs == sorted(xs) and len(set(xs)) == 5  # later years further right
    assert all(b < a for a, b in pairwise(ys))  # rising values → smaller y
    # Linear: the y distance is proportional to the value difference.
    values = [v for _, v in RATE_ACTUAL]
    per_unit = (ys[0] - ys[-1]) / (values[-1] - values[0])
    for y, v in zip(ys, values, strict=True):
        assert y == pytest.approx(ys[0] - (v - values[0]) * per_unit, abs=0.1)
    markers = root.findall("svg:circle[@class='actual-marker']", NS)
    assert [(float(m.get("cx")), float(m.get("cy"))) for m in markers] == line


def test_charts013_target_and_equal_values_share_y():
    root = parse(rate_chart())
    tx, ty = translate(root.find("svg:path[@class='target']", NS))
    required = points(root.find("svg:polyline[@class='required']", NS))
    # The required path ends at the target: 80 at 2025-12-31.
    assert required[-1] == (tx, ty)
    # The baseline square (30 at 2020-12-31, 7×7) is centred on the required path's start.
    square = root.find("svg:rect[@class='baseline']", NS)
    centre = (float(square.get("x")) + 3.5, float(square.get("y")) + 3.5)
    assert centre == pytest.approx(required[0], abs=0.051)
    # An actual value equal to the target sits level with the star.
    level = parse(rate_chart(actual=[(year_end(2024), 80.0), (year_end(2025), 85.0)]))
    _, star_y = translate(level.find("svg:path[@class='target']", NS))
    marker = level.find("svg:circle[@class='actual-marker']", NS)
    assert float(marker.get("cy")) == star_y


def test_charts014_year_ticks_sit_at_year_ends():
    root = parse(rate_chart())
    labels = {t.text: float(t.get("x")) for t in root.iter() if t.get("class") == "x-tick"}
    # Plotted dates run from 2020-12-31 (baseline) to 2027-12-31 (last forecast month).
    assert list(labels) == [str(y) for y in range(2020, 2028)]
    line = points(root.find("svg:polyline[@class='actual']", NS))
    assert line[0][0] == labels["2021"] and line[-1][0] == labels["2025"]
    deadline = root.find("svg:line[@class='deadline']", NS)
    assert float(deadline.get("x1")) == labels["2025"]
    assert texts(root, "deadline-label") == ["规划期末"]


def test_charts015_running_year_continues_from_last_actual():
    root = parse(rate_chart())
    run = points(root.find("svg:polyline[@class='running']", NS))
    actual = points(root.find("svg:polyline[@class='actual']", NS))
    assert run[0] == actual[-1] and len(run) == 2
    hollow = root.find("svg:circle[@class='running-marker']", NS)
    assert hollow.get("fill") == "#ffffff"
    assert (float(hollow.get("cx")), float(hollow.get("cy"))) == run[-1]
    assert run[-1][1] < actual[-1][1]  # 91.2 is above 89.9


def test_charts016_forecast_bands_then_median():
    root = parse(rate_chart())
    children = [c.get("class") for c in root]
    assert children.index("band95") < children.index("band80") < children.index("median")
    band95 = root.find("svg:polygon[@class='band95']", NS)
    band80 = root.find("svg:polygon[@class='band80']", NS)
    assert band95.get("fill-opacity") == "0.12" and band80.get("fill-opacity") == "0.25"
    assert len(points(band80)) == 2 * len(RATE_FORECAST)
    # Every month the 95 % band is at least as wide as the 80 % band (in y, up is smaller).
    p95, p80, n = points(band95), points(band80), len(RATE_FORECAST)
    for i in range(n):
        assert p95[i][1] <= p80[i][1] and p95[2 * n - 1 - i][1] >= p80[2 * n - 1 - i][1]
    median = points(root.find("svg:polyline[@class='median']", NS))
    assert all(p80[i][1] <= median[i][1] <= p80[2 * n - 1 - i][1] for i in range(n))


def test_charts017_y_ticks_labels():
    # Rate: values 30 … 95.5 (hi95 of the last month: 93 + 0.5·13), padded by 4 % of the range
    # (2.6) to 27.4 … 98.1 — under 100 % so not capped. Range 70.7 → nice 100, step 20: 20 … 100.
    root = parse(rate_chart())
    assert texts(root, "y-tick") == ["20%", "40%", "60%", "80%", "100%"]
    assert "目标 80.0%" in texts(root, "target-label")
    # A count 0 → 108 with target 100: padded to 0 … 112.32; range → nice 200, step 50.
    counts = [(year_end(2020 + i), v) for i, v in enumerate([0, 12, 35, 61, 88, 108])]
    root = parse(
        path_chart(
            chart_id="systems", actual=counts, target=(year_end(2025), 100), unit="个", decimals=0
        )
    )
    assert texts(root, "y-tick") == ["0", "50", "100", "150"]
    assert texts(root, "target-label") == ["目标 100个"]
    # Thousands: 12,500 … 21,105.5 padded by 344.2 → range 9,293.9 → nice 10,000, step 2,000.
    hotline = [(year_end(2019 + i), v) for i, v in enumerate([12500, 13820, 21105.5])]
    root = parse(path_chart(chart_id="hotline", actual=hotline, unit="万件", decimals=1))
    assert texts(root, "y-tick") == ["12,000", "14,000", "16,000", "18,000", "20,000", "22,000"]
    # One value 5.0 with decimals=0: ticks 4.4 … 5.6 need one decimal to stay distinct.
    root = parse(path_chart(chart_id="one", actual=[(year_end(2021), 5.0)], decimals=0))
    assert texts(root, "y-tick") == ["4.4", "4.6", "4.8", "5.0", "5.2", "5.4", "5.6"]


def test_charts018_skips_missing_values():
    actual = [(year_end(2021), 1.0), (year_end(2022), None), (year_end(2023), float("nan"))]
    actual.append((year_end(2024), 4.0))
    root = parse(path_chart(chart_id="gaps", actual=actual))
    assert len(points(root.find("svg:polyline[@class='actual']", NS))) == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"actual": []},
        {"actual": [(year_end(2021), None), (year_end(2022), float("nan"))]},
        {"actual": [], "deadline": year_end(2025), "forecast": []},
    ],
)
def test_charts019_nothing_to_plot(kwargs):
    root = parse(path_chart(chart_id="empty", **kwargs))
    assert texts(root) == ["暂无数据"]
    assert float(root.get("height")) < 250


def test_charts020_legend_only_for_given_series():
    only_actual = parse(path_chart(chart_id="a", actual=RATE_ACTUAL))
    assert legend_texts(only_actual) == ["实际值"]
    full = parse(rate_chart())
    assert legend_texts(full) == [
        "实际值",
        "2026 年至今",
        "达标所需路径",
        "预测（中位路径）",
        "预测 80%/95% 区间",
        "基期值",
        "目标",
    ]
    only_80 = [{k: r[k] for k in ("period_end", "mean", "lo80", "hi80")} for r in RATE_FORECAST]
    root = parse(path_chart(chart_id="f", actual=RATE_ACTUAL, forecast=only_80))
    assert legend_texts(root) == ["实际值", "预测（中位路径）", "预测 80% 区间"]


def test_charts021_text_is_escaped():
    svg = path_chart(
        chart_id="esc",
        actual=RATE_ACTUAL,
        y_title="<&>\"'",
        unit="<u>",
        decimals=0,
        target=(year_end(2025), 80.0),
    )
    root = parse(svg)
    assert texts(root, "y-title") == ["<&>\"'"]
    assert texts(root, "target-label") == ["目标 80<u>"]


def test_charts022_rejects_bad_chart_id():
    with pytest.raises(ValueError, match="chart_id"):
        path_chart(chart_id='x" onload="alert(1)', actual=RATE_ACTUAL)


def _text_boxes(root: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """Each text's estimated box (x0, y0, x1, y1) from its anchor, size and glyph widths."""
    boxes = []
    for t in root.iter("{http://www.w3.org/2000/svg}text"):
        size, x, y = float(t.get("font-size")), float(t.get("x")), float(t.get("y"))
        w = _text_width(t.text, size)
        anchor = t.get("text-anchor", "start")
        x0 = x - w / 2 if anchor == "middle" else x - w if anchor == "end" else x
        boxes.append((t.text, x0, y - 0.88 * size, x0 + w, y + 0.12 * size))
    return boxes


@pytest.mark.parametrize(("width", "height"), [(640, 250), (360, 220)])
def test_charts023_labels_inside_and_not_overlapping(width, height):
    root = parse(rate_chart(width=width, height=height))
    boxes = _text_boxes(root)
    for text, x0, y0, x1, y1 in boxes:
        assert x0 >= 0 and x1 <= width and y0 >= 0 and y1 <= height, text
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
            assert apart, (a[0], b[0])


# --------------------------------------------------------------------------------------------
# status_bar


def test_charts030_status_bar_segments_proportional():
    root = parse(
        status_bar(
            counts=[("已达标", 3, "#009E73"), ("滞后", 1, "#D55E00"), ("无数据", 0, "#8C8C8C")],
            width=400,
        )
    )
    rects = root.findall("svg:rect", NS)
    assert [float(r.get("width")) for r in rects] == [300.0, 100.0]
    assert [float(r.get("x")) for r in rects] == [0.0, 300.0]
    assert texts(root) == ["已达标 3", "滞后 1"]


def test_charts031_status_bar_narrow_segment_unlabelled():
    root = parse(
        status_bar(counts=[("进度正常", 99, "#56B4E9"), ("严重滞后", 1, "#D55E00")], width=400)
    )
    assert len(root.findall("svg:rect", NS)) == 2
    assert texts(root) == ["进度正常 99"]  # 4 px is too narrow even for "1"


@pytest.mark.parametrize("counts", [[], [("已达标", 0, "#009E73")]])
def test_charts032_status_bar_empty(counts):
    assert texts(parse(status_bar(counts=counts))) == ["暂无数据"]


def test_charts033_status_bar_escapes_and_rejects_negative():
    root = parse(status_bar(counts=[("A&B<", 2, "#009E73")]))
    assert texts(root) == ["A&B< 2"]
    assert status_bar(counts=[("a", 2, "#009E73")]) == status_bar(counts=[("a", 2, "#009E73")])
    with pytest.raises(ValueError, match="不能为负"):
        status_bar(counts=[("a", -1, "#009E73")])


# --------------------------------------------------------------------------------------------
# Through weasyprint


def test_charts040_weasyprint_pdf_has_chinese_text(tmp_path):
    weasyprint = pytest.importorskip("weasyprint")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    bar = status_bar(counts=[("已达标", 5, "#009E73"), ("滞后", 2, "#E69F00")])
    html = f"<html><body>{rate_chart()}{bar}</body></html>"
    pdf = tmp_path / "chart.pdf"
    pdf.write_bytes(weasyprint.HTML(string=html).write_pdf())
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for text in ("达标所需路径", "实际值", "规划期末", "目标 80.0%", "已达标 5"):
        assert text in out
