"""Accounts the 督办 tests act as: a 督办人, two cities' users, a leader and a unit's user."""

from __future__ import annotations

import pytest

from datasets import accounts


@pytest.fixture
def people(state_url):
    made = {}
    for name, role, extra in [
        ("duban", "province_analyst", {}),
        ("sz", "city_user", {"city": "320500"}),
        ("nj", "city_user", {"city": "320100"}),
        ("leader", "province_leader", {}),
        ("gov", "department_user", {"unit": "省政务办"}),
    ]:
        made[name], _ = accounts.add_user(
            name, role, password="long enough pw", email=f"{name}@gov.example", **extra
        )
    return made
