"""``databrain task create/list/show`` on the demo warehouse, in real subprocesses: tasks raised
from a warning and from a target keep the evidence as the warehouse showed it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DATABRAIN = str(Path(sys.executable).with_name("databrain"))


def _run(args, env):
    return subprocess.run([DATABRAIN, *args], env=env, capture_output=True, text=True, timeout=300)


def _env(warehouse, state: Path, **extra) -> dict:
    """The commands' environment: the demo warehouse, a store of the test's own, a pinned day."""
    return {
        **os.environ,
        "DATABRAIN_DB": str(warehouse.path),
        "DATABRAIN_STATE_URL": f"sqlite:///{state}",
        "DATABRAIN_TODAY": "2026-11-22",
        **extra,
    }


def _all_ok(commands: list[list[str]], env: dict) -> None:
    for args in commands:
        done = _run(args, env)
        assert done.returncode == 0, done.stderr


# a task on 苏州's 公共数据按需共享率, due on ``due``
def _sz_task(due: str) -> list[str]:
    return [
        "task",
        "create",
        "--target",
        "data_sharing_rate",
        "--region",
        "320500",
        "--due",
        due,
        "--title",
        "共享率整改",
    ]


def test_cli_tasks001_create_list_show(demo_computed, tmp_path):
    env = _env(demo_computed, tmp_path / "state.sqlite")
    warning = demo_computed.query(
        "SELECT rule_id, region_code, indicator, message FROM warnings "
        "WHERE as_of = (SELECT max(as_of) FROM warnings) AND rule_id = 'hotline_surge' LIMIT 1"
    ).row(0, named=True)
    key = f"{warning['rule_id']}:{warning['region_code']}:{warning['indicator']}"
    made = _run(
        [
            "task",
            "create",
            "--from-warning",
            key,
            "--due",
            "2026-12-01",
            "--title",
            "热线激增",
            "--unit",
            "省住房城乡建设厅",
            "--json",
        ],
        env,
    )
    assert made.returncode == 0, made.stderr
    first = json.loads(made.stdout)
    assert first["state"] == "pending" and first["state_zh"] == "待签收"
    assert first["evidence"]["message"] == warning["message"]
    assert first["region_code"] == warning["region_code"] and first["source_ref"] == key

    progress = demo_computed.query(
        "SELECT current_value, target_value, status FROM target_progress WHERE as_of = "
        "(SELECT max(as_of) FROM target_progress) AND indicator = 'data_sharing_rate' "
        "AND region_code = '320500' AND is_default_method"
    ).row(0, named=True)
    made = _run(
        [
            "task",
            "create",
            "--target",
            "data_sharing_rate",
            "--region",
            "320500",
            "--due",
            "2027-01-31",
            "--title",
            "共享率整改",
            "--json",
        ],
        env,
    )
    second = json.loads(made.stdout)
    assert second["evidence"]["value"] == progress["current_value"]
    assert second["evidence"]["status"] == progress["status"]

    for bad, message in [
        (["--target", "data_sharing_rate"], "须给出 --region"),
        (["--from-warning", "no_rule:320100:x"], "没有在当前生效的预警"),
        (["--target", "x", "--from-warning", key], "须且只须"),
    ]:
        refused = _run(["task", "create", *bad, "--due", "2027-01-01", "--title", "x"], env)
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr

    later = {**env, "DATABRAIN_TODAY": "2026-12-05"}  # the first one is now overdue
    listed = json.loads(_run(["task", "list", "--json"], later).stdout)
    assert [t["id"] for t in listed] == [first["id"], second["id"]]
    assert [t["overdue"] for t in listed] == [True, False]
    only = json.loads(_run(["task", "list", "--region", "320500", "--json"], env).stdout)
    assert [t["id"] for t in only] == [second["id"]]
    shown = json.loads(_run(["task", "show", str(second["id"]), "--json"], env).stdout)
    assert [e["action"] for e in shown["timeline"]] == ["create"]
    assert shown["assessments"] == []  # judged after the next load that changes the data
    assert shown["timeline"][0]["to_zh"] == "待签收"
    assert _run(["task", "show", "999"], env).returncode == 2


def test_cli_tasks002_notify_run_due_reminds_and_delivers_once(demo_computed, tmp_path, mailbox):
    env = _env(demo_computed, tmp_path / "state.sqlite", DATABRAIN_SMTP_URL=mailbox.url)
    _all_ok(
        [
            ["user", "add", "sz", "--role", "city_user", "--city", "320500"],
            ["user", "email", "sz", "sz@gov.example"],
            ["subscription", "add", "sz", "--region", "320500", "--format", "xlsx"],
            _sz_task("2026-11-30"),
        ],
        env,
    )
    refused = _run(["subscription", "add", "sz", "--region", "320100"], env)
    assert refused.returncode == 2 and "只能订阅本市" in refused.stderr
    late = {**env, "DATABRAIN_TODAY": "2026-12-08"}  # 8 days overdue: escalated
    first = json.loads(_run(["notify", "run-due", "--json"], late).stdout)
    assert first["reminders"] == {"due_soon": 0, "overdue": 1, "escalated": 1, "digest": 1}
    (delivered,) = first["subscriptions"]
    assert "苏州" in delivered["file"]
    again = json.loads(_run(["notify", "run-due", "--json"], late).stdout)
    assert again["subscriptions"] == [] and again["reminders"]["digest"] == 0
    subjects = mailbox.subjects("sz@gov.example")
    assert sum("新督办事项" in s for s in subjects) == 1
    assert sum("已逾期" in s for s in subjects) == 1
    assert sum("每日督办摘要" in s for s in subjects) == 1
    assert sum("订阅报告" in s for s in subjects) == 1 and len(subjects) == 4


def test_cli_tasks003_the_server_sends_what_is_due_without_cron(demo_computed, tmp_path):
    import socket
    import time

    import sqlalchemy as sa

    state = tmp_path / "state.sqlite"
    env = _env(
        demo_computed,
        state,
        DATABRAIN_NOTIFY_MINUTES="0.05",  # every 3 seconds
        DATABRAIN_BACKGROUND_FORECAST="0",
    )
    _all_ok(
        [["user", "add", "sz", "--role", "city_user", "--city", "320500"], _sz_task("2026-11-24")],
        env,
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [DATABRAIN, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        engine = sa.create_engine(f"sqlite:///{state}")
        kinds: set[str] = set()
        deadline = time.monotonic() + 240
        while {"due_soon", "digest"} - kinds and time.monotonic() < deadline:
            time.sleep(1)
            with engine.connect() as con:
                kinds = {
                    k
                    for (k,) in con.execute(
                        sa.text("SELECT kind FROM notifications WHERE username = 'sz'")
                    )
                }
        assert {"task_new", "due_soon", "digest"} <= kinds
        with engine.connect() as con:
            sent = con.execute(
                sa.text("SELECT count(*) FROM notifications WHERE kind = 'due_soon'")
            ).scalar_one()
        assert sent == 1  # however many times it has run since
    finally:
        server.terminate()
        server.wait(timeout=30)
