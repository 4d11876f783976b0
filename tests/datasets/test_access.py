"""Scopes are enforced where the warehouse answers: a city user's query returns only its own
city, its counties and the province; a department user's only its indicators; a request with
no signed-in user nothing; the command line (no scope) everything."""

from __future__ import annotations

import polars as pl
import pytest

from datasets import access
from datasets.access import NO_ACCESS, RoleError, load_roles, scope_for
from datasets.ingest import ingest


@pytest.fixture
def loaded(warehouse, items_csv):
    ingest([items_csv], warehouse=warehouse)
    return warehouse


def test_access001_roles_are_declared_with_the_six_ids():
    roles = load_roles()
    assert set(roles) == {
        "province_leader",
        "province_analyst",
        "city_user",
        "department_user",
        "data_admin",
        "system_admin",
    }
    assert roles["city_user"].regions == "own_city" and "export" in roles["city_user"].can
    assert roles["province_leader"].can == ("read",)
    assert roles["department_user"].indicators == "own_unit"


def test_access002_a_bad_roles_file_names_the_field(tmp_path):
    bad = tmp_path / "roles.yaml"
    bad.write_text(
        "roles:\n  city_user: {name_zh: 市, description: x, regions: some, can: [read]}\n",
        encoding="utf-8",
    )
    with pytest.raises(RoleError, match="city_user.regions: 取值 'some' 不在允许范围"):
        load_roles.__wrapped__(bad)


def test_access003_city_scope_sees_own_city_counties_and_province(loaded):
    everything = loaded.query("SELECT * FROM service_items")
    assert sorted(everything["region_code"].unique()) == ["320100", "320500", "321300"]
    suzhou = scope_for("sz", "city_user", city="320500")
    assert "320583" in suzhou.regions and "320000" in suzhou.regions  # 昆山, the province
    assert "320100" not in suzhou.regions
    with access.activated(suzhou):
        rows = loaded.query("SELECT * FROM service_items")
        by_param = loaded.query("SELECT * FROM service_items WHERE region_code = ?", ["320100"])
    assert rows["region_code"].to_list() == ["320500"]
    assert by_param.is_empty()  # asking for 南京 by code gets nothing


def test_access004_no_user_sees_nothing_and_no_scope_sees_everything(loaded):
    with access.activated(NO_ACCESS):
        assert loaded.query("SELECT * FROM service_items").is_empty()
    assert loaded.query("SELECT * FROM service_items").height == 4


def test_access005_department_scope_filters_indicators():
    frame = pl.DataFrame(
        {
            "indicator": ["a", "b", "a"],
            "region_code": ["320100", "320500", "320000"],
            "v": [1, 2, 3],
        }
    )
    dept = scope_for("d", "department_user", unit="省政务办", unit_indicators=["a"])
    assert dept.restrict(frame)["v"].to_list() == [1, 3]
    assert scope_for("d", "department_user", unit_indicators=["a"]).restrict(frame).is_empty()
    leader = scope_for("l", "province_leader")
    assert leader.everything and leader.restrict(frame).height == 3
    assert not leader.can("export") and scope_for("x", "system_admin").can("admin")


def test_access006_a_city_role_without_a_city_sees_nothing():
    frame = pl.DataFrame({"region_code": ["320000", "320500"], "v": [1, 2]})
    assert scope_for("x", "city_user").restrict(frame).is_empty()
    assert scope_for("x", "no_such_role") == NO_ACCESS


def test_access007_shared_caches_hold_whole_datasets_whoever_asks_first(loaded, monkeypatch):
    """The per-version caches of /data are shared by every user: what they hold is measured
    over all rows, even when a city user asks first (here the measure reads region rows)."""
    from datasets import quality, summary

    def by_region(warehouse, **_kw):
        rows = warehouse.query("SELECT region_code FROM service_items ORDER BY 1")
        return [{"dataset": "service_items", "regions": rows["region_code"].to_list()}]

    monkeypatch.setattr(summary, "dataset_status", by_region)
    monkeypatch.setattr(quality, "dataset_quality", by_region)
    summary._status_for.cache_clear()
    quality._quality_for.cache_clear()
    with access.activated(scope_for("sz", "city_user", city="320500")):
        first = summary.cached_status(loaded), quality.cached_quality(loaded)
    every = ["320100", "320100", "320500", "321300"]
    assert first[0][0]["regions"] == every and first[1][0]["regions"] == every
    summary._status_for.cache_clear()
    quality._quality_for.cache_clear()
