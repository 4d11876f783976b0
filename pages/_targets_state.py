"""The /targets page's ids and URL state: resolving, rewriting and linking it (no Dash layout)."""

from __future__ import annotations

from datasets.regions import PROVINCE_CODE
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.catalog import default_catalog
from indicators.readings import DEFAULT_READING
from indicators.views import TargetsState, targets_state
from pages._components import (
    as_of_key,
    month_label,
    to_search,
)

TARGETS_SET = "targets-set"
TARGETS_AS_OF = "targets-as-of"
TARGETS_READING = "targets-reading"
TARGET_TRACK_RECORD = "target-track-record"
TARGET_TRACK_RECORD_CHART = "target-track-record-chart"
TARGETS_METHOD = "targets-method"
TARGETS_CITY = "targets-city"
TARGETS_DOMAIN = "targets-domain"
TARGETS_STATUS = "targets-status"
TARGETS_REPORT_LINK = "targets-report-link"
TARGETS_SUMMARY = "targets-summary"
TARGETS_PHASE = "targets-phase"
TARGETS_TABLE = "targets-table"
TARGETS_COUNT = "targets-count"
TARGETS_HEATMAP = "targets-heatmap"
TARGETS_HEATMAP_GRAPH = "targets-heatmap-graph"
TARGET_DETAIL = "target-detail"
TARGET_DETAIL_CHART = "target-detail-chart"
TARGET_DETAIL_NUMBERS = "target-detail-numbers"
TARGET_DETAIL_METHODS = "target-detail-methods"
TARGET_DETAIL_FINAL = "target-detail-final"
TARGET_DETAIL_CITIES = "target-detail-cities"
TARGET_DETAIL_CITY_CHART = "target-detail-city-chart"
TARGET_DETAIL_CLOSE = "target-detail-close"


def target_names(target_set: str) -> dict[str, str]:
    catalog = default_catalog()
    ts = catalog.target_sets.get(target_set) or catalog.target_sets[read.default_target_set()]
    return {t.indicator: catalog[t.indicator].name_zh for t in ts.targets}


def view_state(query: dict) -> TargetsState | None:
    """Resolve the URL query into the view state (None when nothing is computed yet)."""
    return targets_state(shared_warehouse(), query)


def view_query(state: dict, **changes) -> dict:
    """The URL query of the current view, with ``changes`` applied (None removes a key)."""
    query = {
        "set": None if state["set"] == read.default_target_set() else state["set"],
        "as_of": as_of_key(state["as_of"]) if state["as_of_given"] else None,
        "reading": None if state["reading"] == DEFAULT_READING else state["reading"],
        "method": state["method"],
        "domain": state["domain"],
        "status": state["statuses"],
        "city": None if state["city"] == PROVINCE_CODE else state["city"],
        "target": state["target"],
    }
    query.update(changes)
    return query


def href(state: dict, **changes) -> str:
    return "/targets" + to_search(view_query(state, **changes))


def export_query(state: dict) -> dict:
    """The view's query for its export buttons, the as-of pinned to the one shown."""
    return view_query(state, as_of=as_of_key(state["as_of"]))


def phase_title(state: dict) -> str:
    ts, as_of = state["ts"], state["as_of"]
    how = "" if state["newest"] else f"，{read.reading_label(state['reading'])}"
    if state["final"]:
        return f"总结评估 · 截至 {ts.target_year} 年末（数据截至 {month_label(as_of)}{how}）"
    if ts.midterm_year and as_of.year == ts.midterm_year:
        return f"中期评估 · {ts.midterm_year} 年（数据截至 {month_label(as_of)}{how}）"
    return f"规划实施监测（数据截至 {month_label(as_of)}{how}）"


# --- header and summary ------------------------------------------------------------------------
