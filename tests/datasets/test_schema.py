"""Dataset schemas: the declared file loads, and a malformed one says what is wrong."""

from __future__ import annotations

import pytest

from datasets.schema import SchemaError, load_schemas

REQUIRED_DATASETS = {
    "service_items",
    "info_systems",
    "private_networks",
    "gov_apps",
    "enforcement_bodies",
    "data_sharing_requests",
    "scenarios",
    "service_evaluations",
    "hotline_tickets",
    "economic_stats",
    "governance_stats",
}


def test_schema001_all_datasets_declared_with_titles_keys_and_labels():
    schemas = load_schemas()
    assert set(schemas) >= REQUIRED_DATASETS
    for s in schemas.values():
        assert s.title and s.title_en and s.description
        assert s.key and set(s.key) <= set(s.column_names)
        assert all(c.label for c in s.columns)


def test_schema002_counts_are_non_negative_and_dates_not_future():
    schemas = load_schemas()
    for col in ("evaluations", "positive", "negative"):
        assert schemas["service_evaluations"].column(col).min == 0
    assert schemas["hotline_tickets"].column("closed_at").not_future


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "d:\n  title: t\n  title_en: t\n  description: d\n  key: [a]\n  period_column: a\n"
            "  columns:\n    - {name: a, label: A, type: text}\n",
            "d.a.type: 取值 'text' 不在允许范围 ['string', 'integer',",
        ),
        (
            "d:\n  title: t\n  title_en: t\n  description: d\n  key: [b]\n  period_column: a\n"
            "  columns:\n    - {name: a, label: A, type: date}\n",
            "key/period column 'b' is not a column",
        ),
        (
            "d:\n  title: t\n  title_en: t\n  description: d\n  key: [a]\n  period_column: a\n"
            "  columns:\n    - {name: a, label: A, type: enum}\n",
            "an enum needs 'values'",
        ),
        (
            "d:\n  title: t\n  title_en: t\n  description: d\n  key: [a]\n  period_column: a\n"
            "  columns:\n    - {name: a, label: A, type: date, colour: red}\n",
            "d.a: 未知字段（检查拼写）：Additional properties are not allowed ('colour' was unexpected)",
        ),
    ],
)
def test_schema003_malformed_schema_file_names_dataset_and_field(tmp_path, yaml_text, message):
    path = tmp_path / "schemas.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        load_schemas.__wrapped__(path)
    assert message in str(caught.value)
