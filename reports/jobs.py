"""Report renders behind the 报告导出 page, as jobs of the one job runner
(:mod:`datasets.jobs`, kind ``report``): a job per (data version, target set, region, as-of,
format), rendered in its own process with progress, its result on disk.

Why not in the web process: a PDF takes seconds, and a callback that renders blocks its worker
for everyone else. Reports are deterministic, so a finished job is a cache. Asking again for the
same data and parameters returns the same file at once, and two users who ask together share
one render.

Run a job by hand: ``python -m reports.jobs <job dir>`` (what :func:`start` spawns).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import uuid
from functools import lru_cache
from pathlib import Path

from datasets import access, accounts, jobs
from datasets.access import Scope
from datasets.regions import PROVINCE_CODE, cities
from datasets.warehouse import Warehouse
from indicators import read
from indicators.catalog import default_catalog
from reports.batch import FORMATS, all_regions, write_reports

KIND = "report"
KEY_RE = jobs.KEY_RE
ALL_REGIONS = "all"  # the province and the 13 cities, one report each, as a ZIP
SOURCES = ("content.py", "pdf.py", "workbook.py", "charts.py", "tables.py", "batch.py")


@lru_cache(maxsize=1)
def _code_version() -> str:
    """A hash of the report code and templates: an upgrade makes new keys (no stale cache)."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for path in [here / name for name in SOURCES] + sorted((here / "templates").iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def job_key(
    version_file: Path, target_set: str, region: str, as_of: dt.date, fmt: str, view: str = ""
) -> str:
    """Same warehouse version (file, inode, modification time), parameters, report code and
    view (what the requester may see, :meth:`datasets.access.Scope.view_key`) → same key,
    and the same file."""
    st = version_file.stat()
    parts = [str(version_file), str(st.st_ino), str(st.st_mtime_ns), _code_version()]
    parts += [target_set, region, as_of.isoformat(), fmt] + ([view] if view else [])
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def _check(target_set: str, region: str, fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"未知格式 {fmt!r}；应为 {' / '.join(FORMATS)}")
    if target_set not in default_catalog().target_sets:
        raise ValueError(f"未知目标集 {target_set!r}")
    if region not in {PROVINCE_CODE, ALL_REGIONS, *cities()["region_code"].to_list()}:
        raise ValueError(
            f"未知地区代码 {region!r}；应为江苏省 320000、13 个设区市之一或 all（全省与 13 市）"
        )


def start(
    warehouse: Warehouse,
    *,
    target_set: str,
    region: str,
    as_of: dt.date | str | None,
    fmt: str,
    scope: Scope | None = None,
) -> str:
    """Start (or join) the job for these parameters; return its key. ``region="all"`` renders
    the province's report and one per city (each holding only its region's data) into a ZIP.

    The job renders the warehouse version current now, even if a load follows, and within
    ``scope`` (the requester's): a city user only its own city's report, a unit's user only its
    indicators. Raises ``ValueError`` in Chinese for an unknown format, target set or region, a
    region outside the scope, or a warehouse without computed indicators.
    """
    _check(target_set, region, fmt)
    limited = scope is not None and not scope.everything
    if limited and scope.regions is not None and region != scope.city:
        raise ValueError("当前账号只能生成本市的报告")
    if not warehouse.exists():
        raise ValueError("数据仓库不存在：请先运行 `databrain demo` 或 `databrain ingest`")
    # the version is leased until the render ends, so loads meanwhile never collect it
    version_file, asking = warehouse.pin(uuid.uuid4().hex)
    pinned = Warehouse(version_file)
    try:
        if not read.ready(pinned):
            raise ValueError(
                "数据仓库尚未计算指标：请先运行 `databrain demo` 或 `databrain ingest`"
            )
        resolved = read.resolve_as_of(pinned, as_of)
    finally:
        pinned.close()
        Warehouse.release(asking)  # the job takes its own lease below
    if resolved is None:
        raise ValueError("数据仓库中没有目标进度（target_progress 为空）")
    key = job_key(
        version_file, target_set, region, resolved, fmt, scope.view_key() if limited else ""
    )
    lease = warehouse.lease(version_file, key)  # the job's own: it releases it when it ends
    params = {
        "target_set": target_set,
        "region": region,
        "as_of": resolved.isoformat(),
        "format": fmt,
        "warehouse": str(version_file),
        "lease": str(lease),
        "scope": scope.to_dict() if limited else None,
    }
    try:
        jobs.start(
            KIND,
            key,
            params,
            module="reports.jobs",
            warehouse_path=warehouse.path,
            reuse=lambda job, s: (job / s.get("file", "")).is_file(),
        )
    except BaseException:  # refused (too many jobs): nothing will read the version
        Warehouse.release(lease)
        raise
    if jobs.status(KIND, key, warehouse.path)["state"] == "done":
        Warehouse.release(lease)  # a finished render was reused: nothing will read the version
    return key


def jobs_dir(warehouse: Warehouse | None = None) -> Path:
    """Where the renders live: ``<warehouse dir>/jobs/report/``."""
    return jobs.jobs_dir(KIND, warehouse.path if warehouse else None)


def status(key: str, warehouse: Warehouse | None = None) -> dict:
    """The render's state (:func:`datasets.jobs.status`)."""
    return jobs.status(KIND, key, warehouse.path if warehouse else None)


def result(key: str, warehouse: Warehouse | None = None) -> tuple[Path, str] | None:
    """The finished report's path and download name, or None."""
    s = status(key, warehouse)
    if s.get("state") != "done":
        return None
    path = jobs.job_path(KIND, key, warehouse.path if warehouse else None) / s["file"]
    return (path, s["file"]) if path.is_file() else None


def render(params: dict, progress: jobs.Progress, job: Path) -> dict:
    """The work of a render job: the report(s), zipped for all regions; the status fields."""
    bundle = params["region"] == ALL_REGIONS
    scope = Scope.from_dict(params["scope"]) if params.get("scope") else None
    if not params["warehouse"]:  # the next attempt after its version was collected
        version, lease = Warehouse().pin(job.name)
        params = {**params, "warehouse": str(version), "lease": str(lease)}
    elif not Path(params["warehouse"]).exists():
        # its lease expired and a load collected it: the next attempt renders the version
        # current then (pinned when it starts, so an attempt that never comes holds no lease)
        Warehouse.release(params.get("lease"))
        raise jobs.Retry(
            f"报告所依据的数据仓库版本 {Path(params['warehouse']).stem} 已被清理（租约已过期），"
            "将改用当前版本",
            params={"warehouse": "", "lease": None},
        )
    try:
        with access.activated(scope):  # the rows the requester may see, and no others
            entries = write_reports(
                Warehouse(params["warehouse"]),
                target_set=params["target_set"],
                as_of=params["as_of"],
                regions=all_regions() if bundle else [params["region"]],
                formats=[params["format"]],
                out_dir=job / "files" if bundle else job,
                progress=progress,
            )
    finally:
        Warehouse.release(params.get("lease"))
    entry = _zip(job, entries) if bundle else entries[0]
    return {
        **{k: entry[k] for k in ("file", "title", "bytes", "sha256")},
        "version": Path(params["warehouse"]).stem,
    }


def _zip(job: Path, entries: list[dict]) -> dict:
    """The 14 reports and their manifest in one ZIP (fixed timestamps: same reports, same
    bytes); returns its manifest entry, titled after the province's report."""
    import zipfile

    files = job / "files"
    province = next(e for e in entries if e["region_code"] == PROVINCE_CODE)
    name = (
        province["file"].replace(f"_{PROVINCE_CODE}_江苏省_", "_全省及13市_").rsplit(".", 1)[0]
        + f"_{province['format']}.zip"
    )
    tmp = job / f".{name}.part"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for e in [*entries, {"file": "manifest.json"}]:
            info = zipfile.ZipInfo(e["file"], date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (files / e["file"]).read_bytes())
    os.replace(tmp, job / name)
    data = (job / name).read_bytes()
    return {
        "file": name,
        "title": f"{province['title']}等 {len(entries)} 份（全省及 13 个设区市）",
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def register_routes(server) -> None:
    """``GET /reports/download/<key>``: the finished report as an attachment."""
    from flask import abort, send_file

    @server.route("/reports/download/<key>")
    def report_download(key: str):
        found = result(key) if KEY_RE.match(key) else None
        if found is None:
            abort(404)
        path, name = found
        params = json.loads((jobs.job_path(KIND, key) / "params.json").read_text(encoding="utf-8"))
        scope = access.current_scope()
        if scope is not None:  # in the web app, always: the requester's
            shown = Scope.from_dict(params["scope"]).view_key() if params.get("scope") else ""
            if not scope.can("export") or (not scope.everything and shown != scope.view_key()):
                accounts.record(
                    scope.user,
                    "download",
                    result="denied",
                    target=name,
                    region=params["region"] if params["region"] != ALL_REGIONS else None,
                )
                abort(403)
        accounts.record(
            scope.user if scope else "",
            "download",
            target=name,
            region=params["region"] if params["region"] != ALL_REGIONS else None,
            as_of=dt.date.fromisoformat(params["as_of"]),
        )
        mimetype = {
            "pdf": "application/pdf",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "zip": "application/zip",
        }[name.rsplit(".", 1)[-1]]
        return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)


if __name__ == "__main__":
    sys.exit(jobs.run(Path(sys.argv[1]), render))
