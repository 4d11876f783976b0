"""Downloads behind the 督办 pages: a task's attachment, for whoever may see the task, and a
report delivered by a subscription, for the subscriber only. Both are audited."""

from __future__ import annotations

from flask import abort, send_file

from datasets import supervision
from pages import _auth
from reports import subscriptions


def register_routes(server) -> None:
    @server.route("/tasks/attachment/<int:attachment_id>")
    def task_attachment(attachment_id: int):
        user = _auth.current_account()
        found = supervision.attachment_file(attachment_id, user) if user else None
        if found is None:
            _auth.audit("download", result="denied", target=f"督办附件 {attachment_id}")
            abort(404)
        path, record = found
        _auth.audit("download", target=f"督办附件 #{record['task_id']} {record['name']}")
        return send_file(
            path,
            mimetype=record["media_type"],
            as_attachment=True,
            download_name=record["name"],
        )

    @server.route("/inbox/report/<int:sub_id>/<path:name>")
    def delivered_report(sub_id: int, name: str):
        user = _auth.current_account()
        sub = subscriptions.get(sub_id)
        path = subscriptions.delivered_file(sub_id, name)
        if user is None or sub is None or sub.username != user.username or path is None:
            _auth.audit("download", result="denied", target=f"订阅报告 {sub_id}/{name}")
            abort(404)
        _auth.audit("download", target=name, region=sub.region_code)
        return send_file(path, as_attachment=True, download_name=name)
