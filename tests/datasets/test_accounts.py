"""Accounts on the operational store (SQLite and PostgreSQL): roles checked, argon2 hashes,
lockout after repeated failures, sessions that end when idle or when the user is disabled, and
an audit entry for each of these."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from datasets import accounts, store
from datasets.accounts import AccountError


def test_accounts001_add_and_sign_in_with_a_hashed_password(state_url):
    user, one_time = accounts.add_user("analyst", "province_analyst", password="correct horse")
    assert one_time is None and user.role == "province_analyst" and not user.must_change_password
    with store.engine().connect() as con:
        stored = con.execute(sa.select(store.users.c.password_hash)).scalar()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    found, why = accounts.authenticate("analyst", "correct horse")
    assert found is not None and found.username == "analyst" and why == "ok"
    assert accounts.authenticate("analyst", "wrong horse!")[0] is None


def test_accounts002_no_password_gives_a_one_time_password(state_url):
    user, one_time = accounts.add_user("admin", "system_admin")
    assert one_time and len(one_time) >= 12 and user.must_change_password
    assert accounts.authenticate("admin", one_time)[0] is not None
    accounts.set_password("admin", "a new long password")
    assert not accounts.get_user("admin").must_change_password
    assert accounts.authenticate("admin", one_time)[0] is None


@pytest.mark.parametrize(
    ("role", "city", "unit", "message"),
    [
        ("city_user", None, None, "须用 --city"),
        ("city_user", "329900", None, "须用 --city"),
        ("province_leader", "320500", None, "不能指定 --city"),
        ("department_user", None, None, "须用 --unit"),
        ("mayor", None, None, "未知角色「mayor」"),
    ],
)
def test_accounts003_roles_need_their_city_or_unit(state_url, role, city, unit, message):
    with pytest.raises(AccountError, match=message):
        accounts.add_user("x", role, city=city, unit=unit, password="long enough pw")
    assert accounts.list_users() == []


def test_accounts004_lockout_after_five_failures(state_url):
    accounts.add_user("sz", "city_user", city="320500", password="suzhou password")
    for _ in range(accounts.MAX_FAILURES - 1):
        assert accounts.authenticate("sz", "nope nope nope")[1] == "用户名或密码不正确"
    user, why = accounts.authenticate("sz", "nope nope nope")
    assert user is None and "锁定" in why
    user, why = accounts.authenticate("sz", "suzhou password")  # even the right one, while locked
    assert user is None and "锁定" in why
    with store.engine().begin() as con:  # the lock runs out
        con.execute(store.users.update().values(locked_until=dt.datetime(2000, 1, 1)))
    assert accounts.authenticate("sz", "suzhou password")[0] is not None


def test_accounts005_unknown_user_and_wrong_password_read_the_same(state_url):
    accounts.add_user("real", "province_leader", password="real password!")
    assert (
        accounts.authenticate("ghost", "whatever pw")[1] == accounts.authenticate("real", "bad")[1]
    )


def test_accounts006_sessions_end_when_idle_or_disabled(state_url):
    user, _ = accounts.add_user("leader", "province_leader", password="leader password")
    token = accounts.start_session(user)
    assert accounts.session_user(token).username == "leader"
    assert accounts.session_user("forged-token") is None
    with store.engine().begin() as con:  # idle past the timeout
        con.execute(
            store.sessions.update().values(
                last_seen=dt.datetime.now(dt.UTC).replace(tzinfo=None)
                - accounts.IDLE_TIMEOUT
                - dt.timedelta(minutes=1)
            )
        )
    assert accounts.session_user(token) is None
    fresh = accounts.start_session(user)
    assert accounts.session_user(fresh) is not None
    accounts.disable_user("leader", actor="root")
    assert accounts.session_user(fresh) is None
    assert accounts.authenticate("leader", "leader password")[0] is None
    with store.engine().connect() as con:  # only a hash of the token is kept
        ids = con.execute(sa.select(store.sessions.c.id)).scalars().all()
    assert token not in ids and fresh not in ids


def test_accounts007_every_action_is_audited(state_url):
    accounts.add_user("a1", "data_admin", password="data admin pw", actor="root")
    accounts.authenticate("a1", "data admin pw", ip="10.0.0.1")
    accounts.authenticate("a1", "bad password", ip="10.0.0.2")
    accounts.set_password("a1", "another password", actor="root")
    accounts.disable_user("a1", actor="root")
    log = accounts.audit_entries()
    assert log["action"].to_list() == ["user_disable", "user_passwd", "login", "login", "user_add"]
    assert log["result"].to_list() == ["ok", "ok", "failed", "ok", "ok"]
    assert log.filter(log["result"] == "failed")["ip"].to_list() == ["10.0.0.2"]
    assert accounts.audit_entries(action="login", limit=1)["ip"].to_list() == ["10.0.0.2"]
    assert accounts.audit_entries(actor="nobody").is_empty()


def test_accounts008_short_passwords_and_duplicate_names_are_refused(state_url):
    with pytest.raises(AccountError, match="至少"):
        accounts.add_user("b", "province_leader", password="short")
    accounts.add_user("b", "province_leader", password="long enough pw")
    with pytest.raises(AccountError, match="已存在"):
        accounts.add_user("b", "province_leader", password="long enough pw")
