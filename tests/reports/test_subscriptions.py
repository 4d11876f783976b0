"""Report subscriptions: made within what the user may see, rendered when their schedule says,
delivered once to the inbox and by e-mail with the file, every run audited."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from datasets import accounts, notify
from reports import subscriptions
from reports.subscriptions import Subscription, SubscriptionError, due_key, run_due, subscribe


@pytest.fixture
def readers(state_url):
    accounts.add_user(
        "sz", "city_user", city="320500", password="long enough pw", email="sz@gov.example"
    )
    accounts.add_user("leader", "province_leader", password="long enough pw")
    return ("sz", "leader")


def _sub(schedule: str, last_run: dt.datetime | None = None, version: str | None = None):
    return Subscription(
        id=1,
        username="u",
        target_set="t",
        region_code="320000",
        format="pdf",
        schedule=schedule,
        created_at=dt.datetime(2026, 11, 1, 9),
        last_run_at=last_run,
        last_version=version,
        active=True,
    )


def test_subscriptions001_schedules_say_when_a_run_is_due():
    now = dt.datetime(2026, 12, 5, 10)
    assert due_key(_sub("after_load"), now, "v000003") == "version:v000003"
    assert due_key(_sub("after_load", now, "v000003"), now, "v000003") is None
    assert due_key(_sub("monthly"), now, "v1") == "month:2026-12"
    assert due_key(_sub("monthly", dt.datetime(2026, 12, 1, 8)), now, "v1") is None
    assert due_key(_sub("monthly", dt.datetime(2026, 11, 30, 8)), now, "v1") == "month:2026-12"
    cron = _sub("0 8 1 * *", dt.datetime(2026, 11, 1, 8, 0, 5))  # 08:00 on the 1st
    assert due_key(cron, now, "v1") == "cron:2026-12-01T08:00"
    assert due_key(cron, dt.datetime(2026, 11, 30, 23), "v1") is None


def test_subscriptions002_a_subscription_stays_within_what_its_user_may_see(readers):
    with pytest.raises(SubscriptionError, match="只能订阅本市"):
        subscribe(
            "sz",
            target_set="jiangsu-14fyp-digital-gov",
            region="320100",
            fmt="pdf",
            schedule="monthly",
        )
    with pytest.raises(SubscriptionError, match="cron"):
        subscribe(
            "sz",
            target_set="jiangsu-14fyp-digital-gov",
            region="320500",
            fmt="pdf",
            schedule="every tuesday",
        )
    with pytest.raises(SubscriptionError, match="不能订阅"):  # a leader reads, exports nothing
        subscribe(
            "leader",
            target_set="jiangsu-14fyp-digital-gov",
            region="320000",
            fmt="pdf",
            schedule="monthly",
        )
    with pytest.raises(SubscriptionError, match="未知目标集"):
        subscribe("leader", target_set="nope", region="320000", fmt="pdf", schedule="monthly")
    made = subscribe(
        "sz",
        target_set="jiangsu-14fyp-digital-gov",
        region="320500",
        fmt="xlsx",
        schedule="0  8 1 * *",
    )
    assert made.schedule == "0 8 1 * *" and made.to_dict()["region_zh"] == "苏州市"
    assert subscriptions.cancel(made.id, "leader") is False  # not theirs
    assert subscriptions.cancel(made.id, "sz") and subscriptions.listed() == []


def test_subscriptions003_a_due_report_is_delivered_once_with_its_file(
    readers, demo_computed, mailbox
):
    made = subscribe(
        "sz",
        target_set="jiangsu-14fyp-digital-gov",
        region="320500",
        fmt="xlsx",
        schedule="after_load",
    )
    (done,) = run_due(dt.datetime(2026, 12, 5, 9), demo_computed)
    assert done["id"] == made.id and "error" not in done
    assert run_due(dt.datetime(2026, 12, 5, 10), demo_computed) == []  # same data: not again
    (message,) = notify.inbox("sz").iter_rows(named=True)
    assert message["kind"] == "report" and message["link"].endswith(done["file"])
    saved = subscriptions.delivered_file(made.id, done["file"], demo_computed)
    book = openpyxl.load_workbook(io.BytesIO(saved.read_bytes()), read_only=True)
    assert book.sheetnames and "苏州" in done["file"]
    (mail,) = mailbox.wait_for(1)
    (attached,) = list(mail.iter_attachments())
    assert attached.get_filename() == done["file"]
    assert attached.get_content() == saved.read_bytes()
    runs = accounts.audit_entries(action="subscription_run")
    assert runs["result"].to_list() == ["ok"]
    assert subscriptions.delivered_file(made.id, "../state.sqlite", demo_computed) is None


def test_subscriptions004_a_disabled_account_gets_nothing(readers, demo_computed):
    subscribe(
        "sz",
        target_set="jiangsu-14fyp-digital-gov",
        region="320500",
        fmt="xlsx",
        schedule="monthly",
    )
    accounts.disable_user("sz")
    (done,) = run_due(dt.datetime(2026, 12, 5, 9), demo_computed)
    assert "停用" in done["error"] and notify.inbox("sz").is_empty()
    assert accounts.audit_entries(action="subscription_run")["result"].to_list() == ["failed"]
