"""``databrain user …`` and ``databrain audit`` as an administrator runs them, in a real
subprocess against a real store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SERVICE_ITEMS_CSV

DATABRAIN = str(Path(sys.executable).with_name("databrain"))


def _run(args, env, stdin=None):
    return subprocess.run(
        [DATABRAIN, *args], env=env, input=stdin, capture_output=True, text=True, timeout=300
    )


def test_cli_accounts001_add_list_passwd_disable_and_audit(tmp_path):
    env = {**os.environ, "DATABRAIN_DB": str(tmp_path / "databrain.duckdb")}
    env.pop("DATABRAIN_STATE_URL", None)
    made = _run(["user", "add", "sz", "--role", "city_user", "--city", "320500"], env)
    assert made.returncode == 0, made.stderr
    assert "一次性密码" in made.stdout and (tmp_path / "state.sqlite").exists()
    one_time = made.stdout.split("one-time password: ")[1].split("（")[0].strip()
    assert len(one_time) >= 12
    dept = _run(
        [
            "user",
            "add",
            "gov",
            "--role",
            "department_user",
            "--unit",
            "省政务办",
            "--password-stdin",
        ],
        env,
        stdin="a long enough password\n",
    )
    assert dept.returncode == 0 and "一次性密码" not in dept.stdout
    no_city = _run(["user", "add", "x", "--role", "city_user"], env)
    assert no_city.returncode == 2 and "须用 --city" in no_city.stderr
    listed = json.loads(_run(["user", "list", "--json"], env).stdout)
    assert [(u["username"], u["role"], u["city"], u["unit"]) for u in listed] == [
        ("gov", "department_user", None, "省政务办"),
        ("sz", "city_user", "320500", None),
    ]
    assert [u["must_change_password"] for u in listed] == [False, True]
    assert (
        _run(["user", "passwd", "sz", "--password-stdin"], env, "suzhou password 1\n").returncode
        == 0
    )
    assert _run(["user", "disable", "gov"], env).returncode == 0
    assert json.loads(_run(["user", "list", "--json"], env).stdout)[0]["disabled"] is True
    assert _run(["user", "disable", "nobody"], env).returncode == 2
    log = json.loads(_run(["audit", "--since", "2000-01-01", "--json"], env).stdout)
    assert [e["action"] for e in log] == ["user_disable", "user_passwd", "user_add", "user_add"]
    assert all(e["actor"].startswith("cli:") for e in log)
    assert _run(["audit", "--since", "yesterday"], env).returncode == 2


def test_cli_accounts002_a_command_line_load_is_audited(tmp_path):
    env = {**os.environ, "DATABRAIN_DB": str(tmp_path / "databrain.duckdb")}
    env.pop("DATABRAIN_STATE_URL", None)
    good = tmp_path / "service_items.csv"
    good.write_text(SERVICE_ITEMS_CSV, encoding="utf-8")
    bad = tmp_path / "broken.csv"
    bad.write_text("item_id,item_name\nX,\n", encoding="utf-8")
    assert _run(["ingest", str(good), "--no-forecast"], env).returncode == 0
    assert _run(["ingest", str(bad), "--no-forecast"], env).returncode == 1
    log = json.loads(_run(["audit", "--action", "ingest", "--json"], env).stdout)
    assert [(e["target"], e["result"]) for e in log] == [
        ("broken.csv", "failed"),
        ("service_items.csv", "ok"),
    ]
    loaded = json.loads(log[1]["detail"])["files"][0]
    assert (
        loaded["rows"] == 4 and loaded["dataset"] == "service_items" and len(loaded["sha256"]) == 64
    )
