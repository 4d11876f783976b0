"""``databrain report``: evaluation reports to files, for one region or every recipient (cron)."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import click

from datasets.warehouse import Warehouse
from indicators import read
from reports.batch import all_regions, write_reports

CONTEXT = {"help_option_names": ["-h", "--help"]}


def _as_of(text: str | None) -> str | None:
    if text is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}", text) or not 1 <= int(text[5:]) <= 12:
        raise click.BadParameter(f"应为 YYYY-MM（例如 2025-12），收到 {text!r} / expected YYYY-MM")
    return text


@click.command(
    context_settings=CONTEXT,
    help=(
        "生成规划评估报告（PDF 或 Excel）：封面、总体情况、分领域目标评估（实际路径、达标所需路径、"
        "预测区间）、13 市排名与热力图、风险预警、方法与数据来源。截止年之后为总结评估，中期年为"
        "中期评估，其余为实施监测。--all-cities 生成全省与 13 市共 14 份，每份只含本地区数据。\n\n"
        "Write the plan's evaluation report (PDF or Excel) for a target set, a region and an as-of "
        "month; --all-cities writes the province's and one per city (14), each holding only its "
        "own region's figures. Files go to DIR with a manifest.json.\n\n"
        "示例 / example: databrain report --target-set jiangsu-14fyp-digital-gov --as-of 2025-12 "
        "--all-cities --format pdf -o reports/"
    ),
)
@click.option(
    "--target-set",
    default=None,
    help="目标集（规划），缺省为当前规划 / target set (default: the running plan)",
)
@click.option(
    "--as-of", "as_of", help="数据截至月份 YYYY-MM（默认最新）/ as-of month (default newest)"
)
@click.option("--region", default=None, help="地区代码：320000 全省或设区市 / region code")
@click.option("--all-cities", is_flag=True, help="全省 + 13 市各一份 / province and all 13 cities")
@click.option(
    "--format",
    "formats",
    type=click.Choice(["pdf", "xlsx"]),
    multiple=True,
    default=("pdf",),
    show_default=True,
    help="格式，可重复 / format (repeatable)",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="输出目录 / output directory",
)
@click.option(
    "--json", "as_json", is_flag=True, help="以 JSON 输出清单 / print the manifest as JSON"
)
def report(
    target_set: str | None,
    as_of: str | None,
    region: str | None,
    all_cities: bool,
    formats: tuple[str, ...],
    out_dir: Path,
    as_json: bool,
) -> None:
    target_set = target_set or read.default_target_set()
    as_of = _as_of(as_of)
    if region and all_cities:
        raise click.UsageError("--region 与 --all-cities 只能选一个 / use one of them")
    regions = all_regions() if all_cities else [region or all_regions()[0]]
    warehouse = Warehouse()
    if not warehouse.exists():
        click.echo(
            f"数据仓库不存在：{warehouse.path}。请先运行 `databrain demo` 或 `databrain ingest`。",
            err=True,
        )
        sys.exit(1)
    started = time.perf_counter()

    def say(done: int, total: int, message: str) -> None:
        if not as_json:
            click.echo(f"[{done}/{total}] {message}", err=True)

    try:
        entries = write_reports(
            warehouse,
            target_set=target_set,
            as_of=as_of,
            regions=regions,
            formats=list(dict.fromkeys(formats)),
            out_dir=out_dir,
            progress=say,
        )
    except ValueError as exc:
        click.echo(f"无法生成报告：{exc}", err=True)
        sys.exit(1)
    seconds = time.perf_counter() - started
    if as_of and entries and entries[0]["as_of"][:7] != as_of:
        click.echo(
            f"注意：{as_of} 没有评估数据，已按此前最近的 {entries[0]['as_of'][:7]} 生成 / "
            f"no vintage for {as_of}: used {entries[0]['as_of'][:7]}",
            err=True,
        )
    if as_json:
        click.echo(json.dumps({"files": entries, "seconds": round(seconds, 2)}, ensure_ascii=False))
        return
    for e in entries:
        click.echo(f"{out_dir / e['file']}  {e['bytes'] / 1024:,.0f} KB  {e['title']}")
    click.echo(f"共 {len(entries)} 个文件，用时 {seconds:.1f} 秒 / {len(entries)} files")
