"""Write evaluation reports to files: one region or the province plus the 13 cities.

Each file is written to a temporary name and renamed, so a cron job or a download never sees a
half-written report. A ``manifest.json`` beside the files lists what was made (region, as-of,
format, SHA-256, bytes) so recipients and scripts can check them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from datasets.regions import PROVINCE_CODE, cities
from datasets.warehouse import Warehouse
from indicators import read
from indicators.catalog import default_catalog
from reports.content import Report, build_report, phase, warnings_at
from reports.pdf import render_pdf
from reports.workbook import render_xlsx

FORMATS = ("pdf", "xlsx")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def all_regions() -> list[str]:
    """The province first, then the 13 cities in code order."""
    return [PROVINCE_CODE, *cities()["region_code"].to_list()]


def report_filename(report: Report, fmt: str) -> str:
    """``2025-12_320200_无锡市_总结评估报告.pdf`` (``_模拟数据`` added for demo data)."""
    name = "江苏省" if not report.is_city else report.region_name
    flag = "_模拟数据" if report.synthetic else ""
    return (
        f"{report.as_of:%Y-%m}_{report.region_code}_{name}_{report.phase.report_title}{flag}.{fmt}"
    )


def render(report: Report, fmt: str) -> bytes:
    """The report's bytes in ``fmt`` (``pdf`` or ``xlsx``)."""
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "xlsx":
        return render_xlsx(report)
    raise ValueError(f"未知格式 {fmt!r}；应为 {' / '.join(FORMATS)}")


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, rename it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_manifest(out_dir: Path, target_set: str, version: str, entries: list[dict]) -> None:
    """Merge ``entries`` into ``manifest.json`` by file name (earlier runs' files are kept)."""
    path = out_dir / "manifest.json"
    files: dict[str, dict] = {}
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
            files = {f["file"]: f for f in old.get("files", []) if (out_dir / f["file"]).exists()}
        except (ValueError, KeyError, TypeError):
            files = {}
    files.update({e["file"]: {**e, "data_version": version} for e in entries})
    manifest = {"target_set": target_set, "files": sorted(files.values(), key=lambda f: f["file"])}
    write_atomically(path, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))


def write_reports(
    warehouse,
    *,
    target_set: str,
    as_of: dt.date | str | None,
    regions: list[str],
    formats: list[str],
    out_dir: Path,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[dict]:
    """Build and write every (region × format) report; return the manifest entries.

    ``progress(done, total, message)`` is called before each step. The whole batch reads the
    warehouse version current when it starts; the as-of month is resolved once and the
    early-warning rules are evaluated once for it, shared by every region's report.
    """
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"未知格式 {fmt!r}；应为 {' / '.join(FORMATS)}")
    catalog = default_catalog()
    out_dir.mkdir(parents=True, exist_ok=True)
    if not warehouse.exists():
        raise ValueError(f"数据仓库不存在：{warehouse.path}")
    # one version for the whole batch, even if a load swaps in a new one meanwhile
    version = warehouse.version()
    warehouse = Warehouse(warehouse.current_file())
    resolved = read.resolve_as_of(warehouse, as_of) if read.ready(warehouse) else None
    warnings = None
    if resolved is not None and read.ready(warehouse):
        warnings = warnings_at(warehouse, resolved, catalog)
    steps = len(regions) * (1 + len(formats))
    done = 0
    entries = []
    for region in regions:
        if progress:
            progress(done, steps, f"汇总 {region} 的数据")
        report = build_report(
            warehouse, target_set, region, resolved or as_of, catalog=catalog, warnings=warnings
        )
        done += 1
        for fmt in formats:
            if progress:
                progress(done, steps, f"生成 {report.region_name} {fmt.upper()}")
            data = render(report, fmt)
            path = out_dir / report_filename(report, fmt)
            write_atomically(path, data)
            done += 1
            entries.append(
                {
                    "file": path.name,
                    "format": fmt,
                    "region_code": report.region_code,
                    "region_name": report.region_name,
                    "target_set": report.target_set,
                    "as_of": report.as_of.isoformat(),
                    "evaluation": report.phase.name,
                    "title": report.title,
                    "synthetic": report.synthetic,
                    "bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
            _write_manifest(out_dir, target_set, version, entries)
    if progress:
        progress(steps, steps, "完成")
    return entries


__all__ = ["FORMATS", "all_regions", "phase", "render", "report_filename", "write_reports"]
