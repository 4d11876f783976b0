"""A user's scope in terms of the catalog: a 部门用户 sees the indicators its unit answers for."""

from __future__ import annotations

from datasets.access import Scope, scope_for
from datasets.accounts import User
from indicators.catalog import default_catalog


def unit_indicators(unit: str) -> set[str]:
    """Indicators a unit answers for: named among the responsible units of the indicator or of
    one of its targets."""
    catalog = default_catalog()
    found = {c for c, ind in catalog.indicators.items() if unit in ind.responsible_units}
    for ts in catalog.target_sets.values():
        found |= {t.indicator for t in ts.targets if unit in t.responsible_units}
    return found


def user_scope(user: User) -> Scope:
    return scope_for(
        user.username,
        user.role,
        city=user.city_code,
        unit=user.unit,
        unit_indicators=unit_indicators(user.unit) if user.unit else None,
        all_indicators=default_catalog().indicators,
    )
