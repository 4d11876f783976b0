"""Notifications of 督办 steps and deadlines: the inbox, e-mail through a real SMTP server, no
message sent twice, every delivery logged and audited; and attachments, checked before a step."""

from __future__ import annotations

import datetime as dt

import pytest

from datasets import accounts, notify, supervision
from datasets.store import attachments_dir
from datasets.supervision import TaskError, create_task, remind, transition

TODAY = dt.date(2026, 12, 1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _task(**kw):
    args = {
        "title": "苏州市公共数据按需共享率未达标",
        "due": dt.date(2026, 12, 10),
        "creator": "duban",
        "indicator": "data_sharing_rate",
        "region": "320500",
        "requirement": "说明原因并提出整改措施",
        "today": TODAY,
    }
    return create_task(**{**args, **kw})


def _kinds(user: str) -> list[str]:
    return notify.inbox(user)["kind"].to_list()[::-1]  # oldest first


def test_notify001_each_step_reaches_the_other_party_by_inbox_and_mail(people, mailbox):
    task = _task()
    sz, duban = people["sz"], people["duban"]
    transition(task.id, "sign", sz)
    transition(task.id, "answer", sz, comment="已整改", attachment=("整改报告.pdf", PDF))
    transition(task.id, "return", duban, comment="缺少时间表")
    assert _kinds("sz") == ["task_new", "task_returned"]
    assert _kinds("duban") == ["task_signed", "task_answered"]
    assert _kinds("nj") == [] and _kinds("leader") == []  # another city, not a party
    assert notify.unread_count("sz") == 2
    mails = mailbox.wait_for(4)
    assert sorted(str(m["To"]) for m in mails) == sorted(
        ["sz@gov.example", "duban@gov.example", "duban@gov.example", "sz@gov.example"]
    )
    returned = next(m for m in mails if "退回重办" in str(m["Subject"]))
    assert "缺少时间表" in returned.get_body().get_content()
    assert f"/tasks/{task.id}" in returned.get_body().get_content()
    log = notify.delivery_log()
    assert set(log["channel"]) == {"inbox", "email"} and set(log["result"]) == {"ok"}
    assert accounts.audit_entries(action="deliver").height == log.height == 8
    assert notify.mark_read("sz") == 2 and notify.unread_count("sz") == 0
    assert notify.mark_read("nj", ids=notify.inbox("sz")["id"].to_list()) == 0  # not theirs


def test_notify002_deadlines_remind_once_then_escalate_to_the_leader(people, mailbox):
    task = _task()
    first = remind(dt.date(2026, 12, 8))
    assert first["due_soon"] == 1 and remind(dt.date(2026, 12, 8))["digest"] == 0  # once a day
    assert _kinds("sz").count("due_soon") == 1 and _kinds("sz").count("digest") == 1
    remind(dt.date(2026, 12, 11))
    assert "overdue" in _kinds("sz") and "overdue" in _kinds("duban")
    assert "escalated" not in _kinds("leader")
    late = remind(dt.date(2026, 12, 17))  # 7 days overdue
    assert late["escalated"] == 1 and _kinds("leader") == ["escalated"]
    remind(dt.date(2026, 12, 18))
    assert _kinds("leader") == ["escalated"] and _kinds("sz").count("overdue") == 1
    assert _kinds("sz").count("digest") == 4  # one a day
    digest = notify.inbox("sz").filter(notify.inbox("sz")["kind"] == "digest")["subject"][0]
    assert "逾期 1 件" in digest
    assert any("逾期升级" in s for s in mailbox.subjects("leader@gov.example"))
    transition(task.id, "sign", people["sz"])
    transition(task.id, "answer", people["sz"], comment="已整改")
    transition(task.id, "close", people["duban"])
    assert remind(dt.date(2026, 12, 19)) == {
        "due_soon": 0,
        "overdue": 0,
        "escalated": 0,
        "digest": 0,
    }


def test_notify003_a_mail_server_that_is_down_loses_nothing(people, monkeypatch):
    monkeypatch.setenv("DATABRAIN_SMTP_URL", "smtp://127.0.0.1:9?from=x@gov.example")
    _task()
    assert _kinds("sz") == ["task_new"]
    failed = notify.delivery_log().filter(notify.delivery_log()["channel"] == "email")
    assert failed["result"].to_list() == ["failed"] and failed["error"][0]


def test_notify004_the_smtp_url_is_read_or_refused(monkeypatch):
    got = notify.smtp_settings("smtps://bot%40gov:p%2Fw@mail.gov:2465?from=a@gov.example")
    assert (got.host, got.port, got.user, got.password, got.ssl) == (
        "mail.gov",
        2465,
        "bot@gov",
        "p/w",
        True,
    )
    assert notify.smtp_settings("") is None
    with pytest.raises(ValueError, match="DATABRAIN_SMTP_URL"):
        notify.smtp_settings("http://mail.gov")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("run.exe", b"MZ\x90\x00", "类型不支持"),
        ("报告.pdf", b"MZ\x90\x00 not a pdf", "内容不是 .pdf"),
        ("表.xlsx", b"PK\x03\x04 but no workbook inside", "内容不是 .xlsx"),
        ("说明.txt", "中文".encode("gbk") + b"\xff\xfe", "内容不是 .txt"),
        ("空.pdf", b"", "空文件"),
    ],
)
def test_notify005_a_bad_attachment_changes_nothing(people, name, data, reason):
    task = _task()
    transition(task.id, "sign", people["sz"])
    with pytest.raises(TaskError, match=reason):
        transition(task.id, "answer", people["sz"], comment="见附件", attachment=(name, data))
    assert supervision.get_task(task.id).state == "in_progress"
    assert supervision.attachments(task.id) == []
    assert not attachments_dir().exists() or not any(attachments_dir().iterdir())


def test_notify006_attachments_have_a_size_limit_and_are_kept_with_their_step(people, monkeypatch):
    monkeypatch.setenv("DATABRAIN_ATTACHMENT_MAX_MB", "0.001")  # ~1 KB
    task = _task()
    sz = people["sz"]
    transition(task.id, "sign", sz)
    with pytest.raises(TaskError, match="超过上限"):
        transition(task.id, "answer", sz, comment="x", attachment=("大.pdf", PDF + b" " * 2000))
    transition(task.id, "answer", sz, comment="见附件", attachment=("整改报告.pdf", PDF))
    answer = supervision.timeline(task.id)[-1]
    (kept,) = answer["attachments"]
    assert kept["name"] == "整改报告.pdf" and kept["size"] == len(PDF)
    path, record = supervision.attachment_file(kept["id"], people["duban"])
    assert path.read_bytes() == PDF and record["media_type"] == "application/pdf"
    assert supervision.attachment_file(kept["id"], people["nj"]) is None  # another city
