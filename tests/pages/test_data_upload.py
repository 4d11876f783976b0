"""The upload's progress, as the 数据管理 page shows it from the job's status."""

from __future__ import annotations

import pytest

from pages import data


def _text(node) -> str:
    if node is None or isinstance(node, str | int | float):
        return "" if node is None else str(node)
    if isinstance(node, list | tuple):
        return " ".join(_text(n) for n in node)
    return _text(getattr(node, "children", None))


@pytest.fixture
def poll(demo_computed, monkeypatch):
    monkeypatch.setattr(data, "shared_warehouse", lambda: demo_computed)

    def run(status: dict, job=None):
        monkeypatch.setattr(data.pipeline, "load_status", lambda key, wh: status)
        return data.poll_upload(1, job or {"key": "a" * 20, "filename": "清单.csv"})

    return run


def test_data101_a_load_that_went_in_is_a_success_even_if_its_forecast_failed(poll):
    out = poll({"state": "error", "error": "MemoryError", "summaries": ["清单.csv → 4 行"]})
    message, stop = out[0], out[1]
    assert message.id == "upload-success" and stop is True
    assert "数据已加载" in _text(message) and "预测与预警更新失败" in _text(message)
    assert out[2] is not data.dash.no_update  # the tables are refreshed


def test_data102_a_refused_file_counts_its_problems_not_the_jobs_steps(poll):
    status = {"state": "error", "error": "文件「x.csv」未通过校验", "issues": ["第 2 行"] * 50}
    out = poll(status | {"issue_total": 73, "total": 2})
    assert out[0].id == "upload-error" and "另有 23 处问题未列出" in _text(out[0])
    out = poll({"state": "error", "error": "进程意外退出", "total": 2})
    assert "另有" not in _text(out[0])


def test_data103_progress_keeps_polling_until_the_job_ends(poll):
    out = poll({"state": "running", "done": 0, "total": 2, "message": "校验并加载"})
    assert out[0].id == "upload-progress" and out[1] is False
