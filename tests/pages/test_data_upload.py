"""The upload's progress, as the 数据管理 page shows it from the job's status."""

from __future__ import annotations

import datetime as dt

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


def _find(node, wanted: str):
    """The component with id ``wanted`` in a layout tree (None when absent)."""
    if getattr(node, "id", None) == wanted:
        return node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = _find(child, wanted)
            if found is not None:
                return found
    return None


def _period(status_wrap, dataset: str) -> str:
    table = _find(status_wrap, data._ids.DATA_STATUS)
    for row in table.children[1].children:
        cells = row.children
        if any(getattr(c, "data-period", None) == dataset for c in cells):
            return _text(next(c for c in cells if getattr(c, "data-period", None) == dataset))
    raise AssertionError(f"no row for {dataset}")


def test_data104_version_and_period_follow_a_second_load(loaded, tmp_path, monkeypatch):
    """The hand-made registry (tests/conftest.py) lists items from 2021-03-01 to 2022-07-01;
    the warehouse made version 1 empty and version 2 by that load. A second file listing an
    item on 2023-09-30 makes version 3: the page's version line and the period follow it."""
    monkeypatch.setattr(data, "shared_warehouse", lambda: loaded)
    page = data.layout()
    assert "版本 v000002" in _text(_find(page, data.DATA_VERSION))
    first = _period(_find(page, "data-status-wrap"), "service_items")
    assert first.startswith("2021-03-01 ~ 2022-07-01") and "按列入清单日期" in first
    # the business period and the quality table's 数据截至 are told apart in words
    assert "业务时期" in _text(page) and "可能晚于业务时期的终点" in _text(page)

    from datasets.ingest import ingest
    from tests.conftest import SERVICE_ITEMS_CSV

    more = tmp_path / "more.csv"
    header = SERVICE_ITEMS_CSV.splitlines()[0]
    more.write_text(
        header + "\nWX-001,新事项一件事,一件事,320200,无锡市政务办,企业服务,2023-09-30,\n",
        encoding="utf-8",
    )
    ingest([more], warehouse=loaded, today=dt.date(2026, 11, 22))
    status = {"state": "done", "summaries": ["more.csv → service_items：1 行"]}
    monkeypatch.setattr(data.pipeline, "load_status", lambda key, wh: status)
    out = data.poll_upload(1, {"key": "b" * 20, "filename": "more.csv"})
    assert out[0].id == "upload-success"
    assert "版本 v000003" in out[6]
    assert _period(out[2], "service_items").startswith("2021-03-01 ~ 2023-09-30")
    # a poll after the tables were shown still names the newest version
    out = data.poll_upload(2, {"key": "b" * 20, "filename": "more.csv", "shown": True})
    assert "版本 v000003" in out[6] and out[2] is data.dash.no_update
    # opening the page again reads the same
    page = data.layout()
    assert "版本 v000003" in _text(_find(page, data.DATA_VERSION))
    assert _period(_find(page, "data-status-wrap"), "service_items").startswith(
        "2021-03-01 ~ 2023-09-30"
    )


def test_data105_a_refused_upload_is_told_how_to_fix_it_on_this_page(poll, tmp_path):
    """Headers that fit no dataset: the page says to choose the dataset, not a command flag,
    and names the columns the way the (Chinese-headed) file does."""
    from datasets.ingest import IngestError, parse

    path = tmp_path / "表.csv"
    path.write_text("事项编码,事项名称,备注\nNJ-001,企业开办一件事,无\n", encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        parse(path)
    issues = [str(i) for i in caught.value.issues]  # as the load job hands them to the page
    assert "--dataset" in issues[0]  # the command line's wording
    out = poll({"state": "error", "error": "文件「表.csv」未通过校验", "issues": issues})
    text = _text(out[0])
    assert out[0].id == "upload-error"
    assert "--dataset" not in text
    assert "请在上传前从“数据集”列表中选择该文件所属的数据集" in text
    assert "缺少列 清单类型、行政区划代码、牵头部门、列入清单日期" in text
    # the list the message points to is labelled so
    may_upload = data.layout()
    assert "数据集" in [_text(n) for n in _labels(may_upload)]


def _labels(node) -> list:
    found = []
    if type(node).__name__ == "Label":
        found.append(node)
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found += _labels(child)
    return found


def test_data106_an_upload_beyond_the_job_limit_is_refused_on_the_page(demo_computed, monkeypatch):
    """Too many jobs queued or running: the upload is refused with the reason, nothing is
    started, and the upload is not recorded as made."""
    import base64

    from datasets import accounts, jobs

    monkeypatch.setattr(data, "shared_warehouse", lambda: demo_computed)
    monkeypatch.setenv("DATABRAIN_MAX_JOBS", "3")
    monkeypatch.setattr(jobs, "active_jobs", lambda warehouse_path: 3)
    recorded = []
    monkeypatch.setattr(accounts, "record", lambda *a, **k: recorded.append(a))
    monkeypatch.setattr(data._auth, "current_username", lambda: "sjgly")
    before = sorted(jobs.jobs_dir("load", demo_computed.path).iterdir())
    contents = "data:text/csv;base64," + base64.b64encode(b"a,b\n1,2\n").decode()
    job, _open, alert = data.upload_file(contents, "清单.csv", "auto")
    assert job is data.dash.no_update
    assert (
        _text(alert)
        == "「清单.csv」未能开始加载：当前已有 3 个任务在排队或运行（上限 3 个），请稍后再试"
    )
    assert sorted(jobs.jobs_dir("load", demo_computed.path).iterdir()) == before
    assert recorded == []
