"""Every spec file — dataset schemas, the catalog and target sets, the warning rules — reports
its problems the same way: all of them at once, each naming the file, where and what, in
Chinese."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from datasets.schema import SCHEMA_FILE, SchemaError, load_schemas
from datasets.specs import SpecError, SpecIssue
from indicators.catalog import CatalogError, load_catalog
from models.rules import RULES_FILE, RuleError, load_rules

ROOT = Path(__file__).resolve().parents[2]


def _issues(err: SpecError) -> list[SpecIssue]:
    assert isinstance(err, SpecError)
    assert err.issues and all(isinstance(i, SpecIssue) for i in err.issues)
    assert all(str(i).startswith(i.file) for i in err.issues)
    return err.issues


def test_specs001_a_bad_dataset_schema_names_each_problem(tmp_path):
    raw = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    first, second = list(raw)[:2]
    raw[first]["columns"][0]["type"] = "strng"
    raw[second]["key"] = ["nope"]
    bad = tmp_path / "schemas.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        load_schemas.__wrapped__(bad)
    issues = _issues(caught.value)
    where = {i.where for i in issues}
    assert f"{first}.{raw[first]['columns'][0]['name']}.type" in where and second in where
    assert "2 处错误" in str(caught.value) and "不是本数据集的列" in str(caught.value)


def test_specs002_a_bad_rule_and_a_bad_catalog_use_the_same_issue(tmp_path):
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    rules["rules"][0]["severity"] = "极高"
    bad_rules = tmp_path / "rules.yaml"
    bad_rules.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules(bad_rules)
    assert _issues(caught.value)[0].file == "rules.yaml"
    catalog = tmp_path / "catalog"
    shutil.copytree(ROOT / "indicators" / "catalog", catalog)
    shutil.copytree(ROOT / "indicators" / "targets", tmp_path / "targets")
    first = sorted(catalog.glob("*.yaml"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\nnot: [valid\n", encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(catalog, tmp_path / "targets")
    assert _issues(caught.value)[0].file == first.name
