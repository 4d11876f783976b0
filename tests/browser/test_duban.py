"""The 督办 loop in a real browser against real servers, with three accounts — a 省级督办人
(``duban``), 苏州's 承办人 (``szcb``) and a 省领导 (``leader``) — and a real SMTP server:

a warning on /risk → a task → 苏州 signs and answers with an attachment → returned once with a
reason → answered again → closed and judged by the indicator; a second task runs past its
deadline and escalates under a pinned clock (a second server started with a later
``DATABRAIN_TODAY``, and ``databrain notify run-due`` as cron runs it). The inbox and the captured
e-mails show each step, and the audit log has every transition. Then 南京's user attacks: the
task, its attachment and its steps by crafted requests, and raising tasks without the role.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

import openpyxl
import pytest

from tests.browser.conftest import Page, databrain, password_of, serving
from tests.browser.test_access_attack import Client
from tests.smtp import Mailbox

DATABRAIN = str(Path(sys.executable).with_name("databrain"))
WARNING = "final_not_achieved:320500:data_sharing_rate"
PDF = "%PDF-1.4\n% 苏州市整改报告\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()
PEOPLE = {
    "duban": ("province_analyst", []),
    "szcb": ("city_user", ["--city", "320500"]),
    "leader": ("province_leader", []),
    "njcb": ("city_user", ["--city", "320100"]),
}


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def loop_env(server_env, tmp_path_factory, mailbox) -> dict:
    """The browser tests' warehouse with a store of its own, mail to the test's SMTP server."""
    folder = tmp_path_factory.mktemp("duban-store")
    env = {
        **server_env,
        "DATABRAIN_STATE_URL": f"sqlite:///{folder / 'state.sqlite'}",
        "DATABRAIN_ATTACHMENTS": str(folder / "attachments"),
        "DATABRAIN_SMTP_URL": mailbox.url,
    }
    for user, (role, extra) in PEOPLE.items():
        databrain(
            [
                "user",
                "add",
                user,
                "--role",
                role,
                *extra,
                "--email",
                f"{user}@gov.example",
                "--password-stdin",
            ],
            env,
            password_of(user) + "\n",
        )
    return env


@pytest.fixture(scope="module")
def loop_server(loop_env):
    with serving(loop_env, "duban-server") as url:
        yield url


def _task_id(page) -> int:
    page.wait_for_url(re.compile(r".*/tasks/\d+$"), timeout=60_000)
    return int(page.url.rsplit("/", 1)[1])


def _state(page) -> str:
    return page.locator("#_pages_content [data-state]").first.get_attribute("data-state")


def _step(tab: Page, task_id: int, name: str, comment: str = "", attachment=None) -> None:
    """Take a step on the task page as a person does, and wait for the page to show it."""
    page = tab.open(f"/tasks/{task_id}")
    before = page.locator("#task-timeline [data-action]").count()
    if comment:
        page.fill("#task-comment", comment)
    if attachment:
        page.locator("#task-upload input[type=file]").set_input_files(attachment)
        page.wait_for_selector("#task-upload-name:has-text('已选附件')")
    page.locator("#task-actions button", has_text=name).click()
    page.wait_for_function(
        f"document.querySelectorAll('#task-timeline [data-action]').length > {before}",
        timeout=60_000,
    )


def _text(body: str) -> str:
    """A callback's answer as readable text (its JSON escapes the Chinese)."""
    try:
        return json.dumps(json.loads(body), ensure_ascii=False)
    except ValueError:
        return body


def _kinds(tab: Page) -> list[str]:
    page = tab.open("/inbox")
    return [el.get_attribute("data-kind") for el in page.locator("#inbox-list li").all()]


def _subjects(mailbox: Mailbox, user: str) -> list[str]:
    return mailbox.subjects(f"{user}@gov.example")


@pytest.fixture(scope="module")
def played(browser, loop_server, loop_env, mailbox, app_warehouse):
    """The whole loop, played once; returns what the attack tests need."""
    duban = Page(browser, loop_server, 1600, 1000, user="duban")
    szcb = Page(browser, loop_server, 1600, 1000, user="szcb")
    leader = Page(browser, loop_server, 1600, 1000, user="leader")

    # the 督办人 raises a task from 苏州's warning on /risk, prefilled from the evidence
    page = duban.open("/risk?city=320500")
    page.locator(f'tr[data-warning="{WARNING}"] .duban-link a').click()
    page.wait_for_selector("#task-create")
    assert "苏州" in page.input_value("#task-title")
    assert page.locator("#task-evidence").inner_text().count("苏州市") >= 1
    page.fill("#task-due", "2026-12-20")
    page.fill("#task-requirement", "说明共享率未达标原因，提出整改措施")
    page.click("#task-create")
    first = _task_id(page)
    assert _state(page) == "pending"
    assert "规划目标到期未达成" in page.locator("#task-evidence").inner_text()
    duban.open("/risk?city=320500")  # the warning now names its task
    assert duban.page.locator(f'tr[data-warning="{WARNING}"] .duban-link').inner_text() == (
        f"督办中 #{first}"
    )

    # 苏州 sees it in its inbox, signs, answers with an attachment
    assert _kinds(szcb) == ["task_new"]
    _step(szcb, first, "签收")
    _step(
        szcb,
        first,
        "反馈",
        "已完成 3 个部门的数据目录对接",
        {"name": "整改报告.pdf", "mimeType": "application/pdf", "buffer": PDF},
    )
    page = szcb.page
    assert _state(page) == "answered"
    assert "整改报告.pdf" in page.locator("#task-timeline").inner_text()

    # the 督办人 returns it: not without a reason, then with one
    page = duban.open(f"/tasks/{first}")
    page.locator("#task-actions button", has_text="退回重办").click()
    page.wait_for_selector("#task-action-feedback .alert:has-text('须填写说明')")
    _step(duban, first, "退回重办", "缺少整改时间表")
    assert _state(duban.page) == "returned"

    # 苏州 is told, signs again and answers again; the 督办人 closes it
    assert "task_returned" in _kinds(szcb)
    _step(szcb, first, "签收")
    _step(szcb, first, "反馈", "补充整改时间表：2027 年 3 月前完成")
    _step(duban, first, "办结")
    page = duban.page
    assert _state(page) == "closed"
    effect = page.locator("#task-effect [data-effect]").get_attribute("data-effect")

    # the attachment downloads for the 督办人 exactly as uploaded
    link = page.locator("#task-timeline a[data-attachment]").first
    with page.expect_download() as got:
        link.click()
    assert got.value.suggested_filename == "整改报告.pdf"
    assert Path(got.value.path()).read_bytes() == PDF
    attachment = link.get_attribute("data-attachment")

    # a second task, from a lagging target, runs past its deadline
    page = duban.open("/tasks/new?indicator=data_sharing_rate&region=320500")
    assert page.input_value("#task-title") == "苏州市公共数据按需共享率到期未达成"  # its verdict
    page.fill("#task-due", "2026-11-30")
    page.click("#task-create")
    second = _task_id(page)

    # cron a week after the deadline: overdue to both parties, escalated to the leader
    late = {**loop_env, "DATABRAIN_TODAY": "2026-12-08"}
    sent = json.loads(databrain(["notify", "run-due", "--json"], late))
    again = json.loads(databrain(["notify", "run-due", "--json"], late))
    with serving(late, "duban-late-server") as late_url:
        boss = Page(browser, late_url, 1600, 1000, user="leader")
        page = boss.open("/tasks")
        page.wait_for_selector(f'tr[data-task="{second}"]')
        row = page.locator(f'tr[data-task="{second}"]').inner_text()
        closed_row = page.locator(f'tr[data-task="{first}"]').inner_text()
        leader_kinds = _kinds(boss)
        page = boss.open("/")
        page.wait_for_selector("#cockpit-duban")
        duban_card = page.locator("#cockpit-duban").inner_text()
        boss.screenshot("duban-late-cockpit")
        boss.page.close()
    mailbox.wait_for(13)
    yield {
        "first": first,
        "second": second,
        "attachment": attachment,
        "effect": effect,
        "sent": sent,
        "again": again,
        "row": row,
        "closed_row": closed_row,
        "leader_kinds": leader_kinds,
        "duban_card": duban_card,
        "duban": duban,
        "szcb": szcb,
        "leader": leader,
    }
    for tab in (duban, szcb, leader):
        tab.page.close()


def test_duban001_the_whole_loop(played, loop_env, mailbox, app_warehouse):
    first, second = played["first"], played["second"]
    # judged by the indicator at closing: effective once the warning is gone or the indicator
    # meets its target again (a missed deadline's warning stays)
    in_force = app_warehouse.query(
        "SELECT count(*) AS n FROM warnings WHERE as_of = (SELECT max(as_of) FROM warnings) "
        "AND rule_id = 'final_not_achieved' AND region_code = '320500' "
        "AND indicator = 'data_sharing_rate'"
    )["n"][0]
    value, target = app_warehouse.query(
        "SELECT current_value, target_value FROM target_progress WHERE as_of = "
        "(SELECT max(as_of) FROM target_progress) AND indicator = 'data_sharing_rate' "
        "AND region_code = '320500' AND is_default_method"
    ).row(0)
    worked = not in_force or value >= target
    assert played["effect"] == ("effective" if worked else "not_effective")
    shown = json.loads(databrain(["task", "show", str(first), "--json"], loop_env))
    assert [e["action"] for e in shown["timeline"]] == [
        "create",
        "sign",
        "answer",
        "return",
        "sign",
        "answer",
        "close",
    ]
    assert shown["timeline"][3]["comment"] == "缺少整改时间表"
    assert shown["timeline"][2]["attachments"][0]["name"] == "整改报告.pdf"
    assert shown["assessments"][-1]["occasion"] == "close"

    # every transition, by whom, in the audit log
    audit = json.loads(databrain(["audit", "--json"], loop_env))
    steps = [(e["actor"], e["action"]) for e in audit if e["action"].startswith("task_")]
    assert sorted(steps) == sorted(
        [("duban", "task_create")] * 2
        + [("szcb", "task_sign")] * 2
        + [("szcb", "task_answer")] * 2
        + [("duban", "task_return"), ("duban", "task_close")]
    )

    # overdue and escalation under the pinned clock, sent once however often cron runs
    assert played["sent"]["reminders"]["overdue"] == 1
    assert played["sent"]["reminders"]["escalated"] == 1
    assert played["again"]["reminders"]["digest"] == 0
    assert "已升级" in played["row"] and "逾期 8 天" in played["row"]
    assert "已办结" in played["closed_row"] and "逾期" not in played["closed_row"]
    assert played["leader_kinds"][0] == "escalated"
    assert "逾期 1" in played["duban_card"] and "苏州市 1 件" in played["duban_card"]

    # the mail each person received, step by step
    title = "苏州市：规划目标到期未达成"
    sz_mail = _subjects(mailbox, "szcb")
    assert [s for s in sz_mail if f"#{first} " in s] == [
        f"【数据大脑】新督办事项：#{first} {title}",
        f"【数据大脑】退回重办：#{first} {title}",
        f"【数据大脑】已办结：#{first} {title}",
    ]
    second_mail = [s.split("：")[0] for s in sz_mail if f"#{second} " in s]
    assert second_mail == ["【数据大脑】新督办事项", "【数据大脑】已逾期"]
    assert sum("每日督办摘要" in s for s in sz_mail) == 1
    duban_mail = _subjects(mailbox, "duban")
    assert sum("已签收" in s for s in duban_mail) == 2
    assert sum("承办单位已反馈" in s for s in duban_mail) == 2
    assert any("逾期升级" in s and f"#{second}" in s for s in duban_mail)
    assert [s.split("：")[0] for s in _subjects(mailbox, "leader")] == ["【数据大脑】逾期升级"]
    assert not _subjects(mailbox, "njcb")  # another city hears nothing

    # the inbox holds the same steps
    tab = played["duban"]
    kinds = _kinds(tab)
    assert kinds.count("task_signed") == 2 and kinds.count("task_answered") == 2
    tab.screenshot("duban-inbox")
    page = tab.open(f"/tasks/{first}")
    page.wait_for_selector("#task-indicator-figure .main-svg")
    tab.screenshot("duban-task-closed")

    # the ledger as Excel, as the 督办中心 lists it
    page = tab.open("/tasks")
    page.wait_for_selector(f'tr[data-task="{first}"]')
    with page.expect_download() as got:
        page.click("#tasks-export")
    book = openpyxl.load_workbook(io.BytesIO(Path(got.value.path()).read_bytes()))
    assert book.sheetnames == ["督办台账", "说明"]
    ids = [r[0] for r in book["督办台账"].iter_rows(min_row=2, values_only=True)]
    assert sorted(ids) == [first, second]
    exported = json.loads(databrain(["audit", "--json", "--action", "export"], loop_env))
    assert any(e["target"] == "督办台账.xlsx" and e["actor"] == "duban" for e in exported)


def test_duban002_another_city_can_neither_see_nor_act(played, browser, loop_server, loop_env):
    first, second = played["first"], played["second"]
    nj = Page(browser, loop_server, 1600, 1000, user="njcb")
    page = nj.open(f"/tasks/{second}")
    assert page.locator("#task-missing").is_visible()
    page = nj.open("/tasks")
    page.wait_for_selector("#tasks-empty")
    assert "苏州" not in page.locator("#_pages_content").inner_text()
    nj.page.close()

    # 苏州's own sign request, recorded in the browser, replayed with 南京's session
    recorded: list[str] = []
    sz = Page(browser, loop_server, 1600, 1000, user="szcb")
    sz.page.on(
        "request",
        lambda r: (
            recorded.append(r.post_data)
            if "/_dash-update-component" in r.url and r.post_data and "task-action" in r.post_data
            else None
        ),
    )
    page = sz.open(f"/tasks/{second}")
    page.wait_for_selector("#task-actions")
    page.locator("#task-actions button", has_text="签收").click()  # 苏州's own right
    page.wait_for_selector("#task-timeline [data-action=sign]", timeout=60_000)
    sz.page.close()
    assert recorded, "the sign click made no callback request"
    client = Client(loop_server)
    client.sign_in("njcb")
    status, _, body = client.callback(recorded[0])
    assert f"没有督办事项 #{second}" in _text(body)
    shown = json.loads(databrain(["task", "show", str(second), "--json"], loop_env))
    assert shown["state"] == "in_progress"  # as 苏州 left it: 南京 moved nothing
    assert [(e["actor"], e["action"]) for e in shown["timeline"]] == [
        ("duban", "create"),
        ("szcb", "sign"),
    ]

    # the attachment of 苏州's task, by its number
    status, _, body = client.request(f"/tasks/attachment/{played['attachment']}")
    assert status == 404 and "PDF" not in body
    assert client.request("/tasks/attachment/999999")[0] == 404

    # a city user cannot raise a task, whatever the request says
    create = {
        "output": "..task-create-feedback.children...task-go.href..",
        "outputs": [
            {"id": "task-create-feedback", "property": "children"},
            {"id": "task-go", "property": "href"},
        ],
        "inputs": [{"id": "task-create", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["task-create.n_clicks"],
        "state": [
            {"id": "task-source", "property": "data", "value": {"warning": WARNING}},
            {"id": "task-title", "property": "value", "value": "伪造"},
            {"id": "task-region", "property": "value", "value": "320100"},
            {"id": "task-unit", "property": "value", "value": ""},
            {"id": "task-due", "property": "value", "value": "2027-01-01"},
            {"id": "task-priority", "property": "value", "value": "high"},
            {"id": "task-requirement", "property": "value", "value": ""},
        ],
    }
    status, _, body = client.callback(json.dumps(create))
    assert "只有省级督办人" in _text(body)
    listed = json.loads(databrain(["task", "list", "--json"], loop_env))
    assert {t["id"] for t in listed} == {first, second}
    audit = json.loads(databrain(["audit", "--json", "--user", "njcb"], loop_env))
    denied = {(e["action"], e["result"]) for e in audit}
    assert ("task_create", "denied") in denied and ("download", "denied") in denied


def test_duban003_a_subscribed_report_is_the_subscribers_alone(played, loop_server, loop_env):
    databrain(["subscription", "add", "szcb", "--region", "320500", "--format", "xlsx"], loop_env)
    refused = subprocess.run(
        [DATABRAIN, "subscription", "add", "szcb", "--region", "320100"],
        env=loop_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert refused.returncode == 2 and "只能订阅本市" in refused.stderr
    ran = json.loads(databrain(["notify", "run-due", "--json"], loop_env))
    (delivered,) = ran["subscriptions"]
    tab = played["szcb"]
    page = tab.open("/inbox")
    link = page.locator('#inbox-list li[data-kind="report"] a').first.get_attribute("href")
    assert link.endswith(urllib.parse.quote(delivered["file"])) or link.endswith(delivered["file"])
    owner = Client(loop_server)
    owner.sign_in("szcb")
    status, _, _ = owner.request(urllib.parse.quote(link))
    assert status == 200
    other = Client(loop_server)
    other.sign_in("njcb")
    assert other.request(urllib.parse.quote(link))[0] == 404
    traversal = link.rsplit("/", 1)[0] + "/..%2F..%2Fstate.sqlite"
    assert owner.request(traversal)[0] == 404
