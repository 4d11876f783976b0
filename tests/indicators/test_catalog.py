"""The catalog: the bundled one is valid and complete; each rule rejects a bad file clearly."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from indicators.catalog import CATALOG_DIR, TARGETS_DIR, CatalogError, load_catalog

PLAN = Path(__file__).resolve().parents[2].parent / "shared" / "plan"

# 苏政办发〔2021〕61号 二(三): every quantified 2025 target, as the plan states it.
PLAN_TARGETS = {
    "one_thing_completion_rate": 80,
    "one_class_completion_rate": 80,
    "one_body_completion_rate": 80,
    "mobile_enforcement_coverage": 95,
    "sufuban_onboarding_rate": 90,
    "private_network_integration_rate": 90,
    "system_cloud_rate": 95,
    "data_sharing_rate": 99,
    "typical_scenarios": 100,
    "regional_samples": 10,
}

GOOD_INDICATOR = """
domain: 政务服务
domain_en: Government services
indicators:
  - code: items_rate
    name_zh: 测试完成率
    name_en: Test rate
    unit: "%"
    polarity: higher
    bounds: [0, 100]
    frequency: month
    description: 测试
    compute: {type: stock_share, dataset: service_items, start: listed_date, event: achieved_date}
    clause: 二(三)
    responsible_units: [省政务办]
"""

GOOD_TARGETS = """
id: test-plan
name_zh: 测试规划
name_en: Test plan
document: 测试文号
baseline_year: 2020
target_year: 2025
method: ratio
targets:
  - indicator: items_rate
    target: 80
    binding: expected
    clause: 二(三)
    responsible_units: [省政务办]
"""


def write(tmp_path: Path, catalog: str = GOOD_INDICATOR, targets: str = GOOD_TARGETS):
    cdir, tdir = tmp_path / "catalog", tmp_path / "targets"
    cdir.mkdir(exist_ok=True)
    tdir.mkdir(exist_ok=True)
    (cdir / "service.yaml").write_text(textwrap.dedent(catalog), encoding="utf-8")
    (tdir / "test-plan.yaml").write_text(textwrap.dedent(targets), encoding="utf-8")
    return cdir, tdir


def issues_of(tmp_path, **files) -> list[str]:
    with pytest.raises(CatalogError) as info:
        load_catalog(*write(tmp_path, **files))
    return [str(i) for i in info.value.issues]


def test_catalog001_bundled_catalog_is_valid_with_40_plus_indicators_in_every_domain():
    catalog = load_catalog()
    assert len(catalog.indicators) >= 40
    assert set(catalog.domains) == {
        "政务服务",
        "社会治理",
        "政务运行",
        "数字社会",
        "数字生态",
        "基础支撑",
        "经济运行",
        "风险",
    }
    for ind in catalog.indicators.values():
        assert ind.description and ind.unit and ind.sources and ind.responsible_units, ind.code
        assert ind.clause, ind.code


def test_catalog002_every_plan_target_is_declared_with_clause_and_units():
    ts = load_catalog().target_sets["jiangsu-14fyp-digital-gov"]
    declared = {t.indicator: t.target for t in ts.targets if t.target is not None}
    assert declared == PLAN_TARGETS
    assert ts.baseline_year == 2020 and ts.target_year == 2025
    for t in ts.targets:
        assert t.clause and t.responsible_units
    # qualitative target 好评率全国领先 is tracked without a number
    good = ts.target("service_positive_rate")
    assert good.target is None and "全国领先" in good.statement


@pytest.mark.skipif(not PLAN.is_dir(), reason=f"plan text not available at {PLAN}")
def test_catalog003_target_values_appear_in_the_plan_text():
    text = (PLAN / "jiangsu-14th-fyp-digital-government-plan.md").read_text(encoding="utf-8")
    catalog = load_catalog()
    for code, value in PLAN_TARGETS.items():
        name = catalog[code].name_zh.replace("“", "").replace("”", "")
        unit = "%" if catalog[code].unit == "%" else "个"
        assert f"{value}{unit}" in text, (code, value)
        assert any(word in text for word in (name[:4], name[-5:])), code


def test_catalog004_a_new_plan_is_a_new_file(tmp_path):
    cdir, tdir = tmp_path / "catalog", tmp_path / "targets"
    shutil.copytree(CATALOG_DIR, cdir)
    shutil.copytree(TARGETS_DIR, tdir)
    (tdir / "jiangsu-15fyp-digital-gov.yaml").write_text(
        textwrap.dedent(
            """
            id: jiangsu-15fyp-digital-gov
            name_zh: 江苏省“十五五”数字政府建设规划（示例）
            name_en: Jiangsu 15th FYP digital government (example)
            document: 示例
            baseline_year: 2025
            target_year: 2030
            method: projection
            targets:
              - indicator: system_cloud_rate
                target: 99
                binding: binding
                clause: 示例
                responsible_units: [省政务办]
            """
        ),
        encoding="utf-8",
    )
    catalog = load_catalog(cdir, tdir)
    assert set(catalog.target_sets) == {"jiangsu-14fyp-digital-gov", "jiangsu-15fyp-digital-gov"}
    assert catalog.target_sets["jiangsu-15fyp-digital-gov"].target("system_cloud_rate").target == 99


@pytest.mark.parametrize(
    ("catalog", "expected"),
    [
        (
            GOOD_INDICATOR.replace('    unit: "%"\n', ""),
            "service.yaml: items_rate: 缺少必填字段：'unit' is a required property",
        ),
        (
            GOOD_INDICATOR.replace("polarity: higher", "polarity: up"),
            "service.yaml: items_rate.polarity: 取值 'up' 不在允许范围 ['higher', 'lower', 'neutral']",
        ),
        (
            GOOD_INDICATOR.replace("frequency: month", "frequency: month\n    colour: red"),
            "service.yaml: items_rate: 未知字段（检查拼写）：Additional properties are not allowed"
            " ('colour' was unexpected)",
        ),
        (
            GOOD_INDICATOR.replace("dataset: service_items", "dataset: service_itemz"),
            "service.yaml: items_rate.compute.dataset: 数据集 'service_itemz' 不存在",
        ),
        (
            GOOD_INDICATOR.replace("event: achieved_date", "event: achieved_on"),
            "service.yaml: items_rate.compute.event: 数据集 service_items 没有列 'achieved_on'",
        ),
        (
            GOOD_INDICATOR.replace("event: achieved_date", "event: item_name"),
            "service.yaml: items_rate.compute.event: 列 'item_name' 的类型是 string，这里需要 date/timestamp",
        ),
        (
            GOOD_INDICATOR.replace("bounds: [0, 100]", "bounds: [100, 0]"),
            "service.yaml: items_rate.bounds: 下限 100 应小于上限 0",
        ),
        (
            GOOD_INDICATOR.replace(
                "type: stock_share,", "type: stock_share, scale: 100, periodd: x,"
            ),
            "service.yaml: items_rate.compute: 计算方式 'stock_share' 的写法不对",
        ),
        (
            GOOD_INDICATOR.replace("code: items_rate", "code: Items-Rate"),
            "service.yaml: Items-Rate.code: 'Items-Rate' does not match",
        ),
        ("domain: [unclosed", "service.yaml: YAML 语法错误"),
        (
            GOOD_INDICATOR.replace("frequency: month", "frequency: month\n    decimals: many"),
            "service.yaml: items_rate.decimals: 应为整数，实为 'many'",
        ),
        (
            GOOD_INDICATOR.replace("type: stock_share,", "type: ratio_of_ratios,"),
            "service.yaml: items_rate.compute: 'ratio_of_ratios' 不是可选的种类；可选：stock_share、",
        ),
        (
            GOOD_INDICATOR.replace("event: achieved_date}", "event: achieved_date, scale: lots}"),
            "service.yaml: items_rate.compute: 计算方式 'stock_share' 的写法不对：scale: 应为数字",
        ),
        (
            GOOD_INDICATOR.replace(", start: listed_date", ""),
            "service.yaml: items_rate.compute: 计算方式 'stock_share' 的写法不对：缺少必填字段：'start'",
        ),
        (
            GOOD_INDICATOR.replace("responsible_units: [省政务办]", "responsible_units: []"),
            "service.yaml: items_rate.responsible_units: 至少需要 1 项",
        ),
    ],
)
def test_catalog005_indicator_rules_name_file_and_field(tmp_path, catalog, expected):
    found = issues_of(tmp_path, catalog=catalog)
    assert any(msg.startswith(expected) for msg in found), found


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        (
            GOOD_TARGETS.replace("indicator: items_rate", "indicator: no_such_code"),
            "test-plan.yaml: no_such_code.indicator: 指标目录中没有这个指标代码",
        ),
        (
            GOOD_TARGETS.replace("target: 80", "target: 120"),
            "test-plan.yaml: items_rate.target: 目标值 120 超出指标自然界限 [0, 100]",
        ),
        (
            GOOD_TARGETS.replace("target: 80\n", "target: 80\n    city_targets: {'329900': 70}\n"),
            "test-plan.yaml: items_rate.city_targets.329900: 不是江苏 13 个设区市的代码",
        ),
        (
            GOOD_TARGETS.replace("    target: 80\n", ""),
            "test-plan.yaml: items_rate.target: 须给出数值目标（target）或定性表述（statement）",
        ),
        (
            GOOD_TARGETS.replace("id: test-plan", "id: other-plan"),
            "test-plan.yaml: id: id 'other-plan' 应与文件名 'test-plan' 一致",
        ),
        (
            GOOD_TARGETS.replace("method: ratio", "method: vibes"),
            "test-plan.yaml: method: 取值 'vibes' 不在允许范围 ['ratio', 'projection', 'linear']",
        ),
        (
            GOOD_TARGETS.replace("target_year: 2025", "target_year: 2019"),
            "test-plan.yaml: target_year: 目标年早于基期年",
        ),
    ],
)
def test_catalog006_target_set_rules_name_file_and_field(tmp_path, targets, expected):
    found = issues_of(tmp_path, targets=targets)
    assert any(msg.startswith(expected) for msg in found), found


def test_catalog007_every_problem_is_reported_at_once(tmp_path):
    catalog = GOOD_INDICATOR.replace("polarity: higher", "polarity: up").replace(
        "dataset: service_items", "dataset: nope"
    )
    targets = GOOD_TARGETS.replace("target: 80", "target: 120")
    with pytest.raises(CatalogError) as info:
        load_catalog(*write(tmp_path, catalog=catalog, targets=targets))
    assert len(info.value.issues) >= 2
    assert "catalog has" in str(info.value) and "service.yaml" in str(info.value)


def test_catalog008_duplicate_codes_across_files_are_rejected(tmp_path):
    cdir, tdir = write(tmp_path)
    other = GOOD_INDICATOR.replace("domain: 政务服务", "domain: 社会治理")
    (cdir / "governance.yaml").write_text(textwrap.dedent(other), encoding="utf-8")
    with pytest.raises(
        CatalogError, match="service.yaml: items_rate: 指标代码重复（已在 governance.yaml 中定义）"
    ):
        load_catalog(cdir, tdir)


def _plan(id_: str, base: int, to: int, status: str = "adopted"):
    from indicators.catalog import TargetSet

    return TargetSet.model_validate(
        {
            "id": id_,
            "name_zh": id_,
            "name_en": id_,
            "document": "-",
            "baseline_year": base,
            "target_year": to,
            "method": "ratio",
            "status": status,
            "targets": [
                {
                    "indicator": "system_cloud_rate",
                    "target": 99,
                    "binding": "expected",
                    "clause": "-",
                    "responsible_units": ["省政务办"],
                }
            ],
        }
    )


def test_catalog020_the_plan_shown_by_default_is_the_adopted_one_running():
    import datetime as dt

    from indicators.catalog import running_set

    plans = {p.id: p for p in [_plan("old", 2020, 2025), _plan("draft", 2025, 2030, "draft")]}
    # a draft is not the running plan: the finished adopted one is shown
    assert running_set(plans, dt.date(2026, 12, 5)) == "old"
    assert plans["old"].phase(dt.date(2026, 12, 5)) == "finished"
    assert plans["draft"].phase(dt.date(2026, 12, 5)) == "running"
    assert plans["draft"].phase(dt.date(2025, 6, 1)) == "future"
    plans["new"] = _plan("new", 2025, 2030)
    assert running_set(plans, dt.date(2026, 12, 5)) == "new"
    assert running_set(plans, dt.date(2023, 1, 1)) == "old"
    assert plans["draft"].short_name == "draft（草案）"
    assert running_set({"draft": plans["draft"]}, dt.date(2026, 1, 1)) == "draft"


def test_catalog021_the_plan_folder_adds_plans_and_changes_are_seen(tmp_path, monkeypatch):
    from indicators.catalog import CatalogError, default_catalog, load_catalog

    folder = tmp_path / "plans"
    monkeypatch.setenv("DATABRAIN_PLANS", str(folder))
    assert set(default_catalog().target_sets) == {"jiangsu-14fyp-digital-gov"}
    folder.mkdir()
    example = Path("datasets/demo/plans/jiangsu-15fyp-draft.yaml")
    (folder / example.name).write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    seen = default_catalog().target_sets  # the same process sees the new file
    assert seen["jiangsu-15fyp-draft"].status == "example"
    assert seen["jiangsu-15fyp-draft"].status_label == "示例草案"
    # a plan id may not be declared twice
    bundled = Path("indicators/targets/jiangsu-14fyp-digital-gov.yaml")
    (folder / bundled.name).write_text(bundled.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(CatalogError, match="已在别处定义"):
        load_catalog(extra_targets_dir=folder)
