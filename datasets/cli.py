"""``databrain`` — the command line of 数据大脑.

Every command reads the warehouse location from ``DATABRAIN_DB``
(default ``data/databrain.duckdb`` under the project directory).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from datasets.config import db_path, demo_dir
from datasets.warehouse import Warehouse

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(
    context_settings=CONTEXT,
    help=(
        "数据大脑：江苏省“十四五”数字政府建设规划决策支持驾驶舱。\n\n"
        "Data Brain: decision-support cockpit for Jiangsu's 14th Five-Year Digital Government "
        "Plan.\n\n"
        "数据仓库位置由环境变量 DATABRAIN_DB 指定 / The warehouse is the DuckDB file named by "
        "DATABRAIN_DB (default: data/databrain.duckdb)."
    ),
)
def main() -> None:
    pass


def build_demo(
    scale: int = 1,
    seed: int = 20210831,
    warehouse: Warehouse | None = None,
    *,
    forecast: bool = True,
) -> list:
    """Generate the demo files, load them into a fresh warehouse version (indicators computed
    in the same write), then forecast every target series (a second version)."""
    from datasets.demo.generator import generate
    from datasets.ingest import ingest
    from indicators.engine import materialise

    warehouse = warehouse or Warehouse()
    out = demo_dir(warehouse.path) / f"scale-{scale}-seed-{seed}"
    files = generate(out, scale=scale, seed=seed)
    results = ingest(
        sorted(files.values()), warehouse=warehouse, fresh=True, after_load=materialise
    )
    if forecast:
        from models.cli import refresh_forecasts

        refresh_forecasts(warehouse)
    return results


@main.command(
    context_settings=CONTEXT,
    help=(
        "启动驾驶舱网页服务；仓库不存在时先用内置模拟数据建库。\n\n"
        "Serve the cockpit; builds the warehouse from the bundled demo data on first run."
    ),
)
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 / host to bind")
@click.option("--port", default=8050, show_default=True, type=int, help="端口 / port")
@click.option("--debug", is_flag=True, help="Dash 调试模式 / Dash debug mode")
def serve(host: str, port: int, debug: bool) -> None:
    warehouse = Warehouse()
    if not warehouse.exists():
        click.echo(
            f"首次运行：用内置模拟数据建库 {warehouse.path} / first run: building demo warehouse"
        )
        started = time.perf_counter()
        build_demo(warehouse=warehouse)
        click.echo(f"建库完成，用时 {time.perf_counter() - started:.1f} 秒 / done")
    from app import create_app

    click.echo(f"数据大脑 → http://{host}:{port}/  (DATABRAIN_DB={warehouse.path})")
    create_app().run(host=host, port=port, debug=debug)


@main.command(
    context_settings=CONTEXT,
    help=(
        "校验并加载数据文件（CSV/XLSX/Parquet）。不指定 --dataset 时按表头识别数据集。"
        "任一文件未通过校验则全部不加载，仓库保持原样；重复加载同一文件不会产生重复数据。\n\n"
        "Validate and load data files (CSV in UTF-8 or GB18030, XLSX, Parquet). Without "
        "--dataset the dataset is recognised from the header. If any file is rejected nothing "
        "is loaded; re-loading the same file is a no-op."
    ),
)
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--dataset", help="数据集名称 / dataset name (see `databrain status`)")
@click.option(
    "--forecast/--no-forecast",
    default=True,
    show_default=True,
    help="加载后刷新预测与预警 / refresh forecasts and warnings after the load",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果 / print results as JSON")
def ingest(paths: tuple[Path, ...], dataset: str | None, as_json: bool, forecast: bool) -> None:
    from datasets.ingest import IngestError
    from datasets.ingest import ingest as run_ingest
    from indicators.engine import materialise

    try:
        results = run_ingest(list(paths), dataset, after_load=materialise)
        if forecast and any(not r.skipped for r in results):
            from models.cli import refresh_forecasts

            refresh_forecasts(Warehouse())
    except IngestError as err:
        if as_json:
            issues = [
                {"file": i.file, "row": i.row, "column": i.column, "message": i.message}
                for i in err.issues
            ]
            click.echo(
                json.dumps(
                    {"ok": False, "total": err.total, "issues": issues},
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            click.echo(str(err), err=True)
        sys.exit(1)
    if as_json:
        click.echo(
            json.dumps(
                {"ok": True, "results": [r.__dict__ for r in results]}, ensure_ascii=False, indent=2
            )
        )
    else:
        for r in results:
            click.echo(r.summary())


@main.command(
    context_settings=CONTEXT,
    help=(
        "重新生成模拟数据并重建仓库（所有行标记为模拟数据）。--scale N 将事项级数据量放大 N 倍"
        "（--scale 100 时 12345 工单超过 1000 万条）。\n\n"
        "Regenerate the synthetic demo data and rebuild the warehouse from it. --scale N "
        "multiplies item-level volumes (at 100: over 10 million 12345 tickets)."
    ),
)
@click.option(
    "--scale",
    default=1,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="数据量倍数 / volume multiplier",
)
@click.option(
    "--seed", default=20210831, show_default=True, type=int, help="随机种子 / random seed"
)
@click.option(
    "--forecast/--no-forecast",
    default=True,
    show_default=True,
    help="建库后预测每个目标序列 / forecast every target series after building",
)
def demo(scale: int, seed: int, forecast: bool) -> None:
    started = time.perf_counter()
    results = build_demo(scale=scale, seed=seed, forecast=forecast)
    for r in results:
        click.echo(r.summary())
    click.echo(
        f"模拟数据已加载（scale={scale}，seed={seed}），用时 {time.perf_counter() - started:.1f} 秒 → {db_path()}"
    )


@main.command(
    context_settings=CONTEXT,
    help=(
        "显示仓库中已加载的数据集：行数、时期覆盖、文件校验和与加载时间。\n\n"
        "Show what is loaded: datasets, row counts, periods covered, file checksums, load times."
    ),
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print as JSON")
def status(as_json: bool) -> None:
    from datasets.status import dataset_status

    warehouse = Warehouse()
    if not warehouse.exists():
        click.echo(
            f"数据仓库不存在：{warehouse.path}（运行 `databrain demo` 建库）/ no warehouse yet",
            err=True,
        )
        sys.exit(1)
    records = dataset_status(warehouse)
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    click.echo(f"数据仓库 {warehouse.path} 版本 {warehouse.version()}")
    click.echo(
        f"{'数据集 dataset':<24}{'行数 rows':>12}  {'时期 period':<25}{'文件 files':>6}  最近加载 last load"
    )
    for r in records:
        period = f"{r['period_start'] or '-'} ~ {r['period_end'] or '-'}"
        synthetic = " 模拟" if r["synthetic_rows"] else ""
        click.echo(
            f"{r['dataset']:<24}{r['rows']:>12,}  {period:<25}{len(r['files']):>6}  {r['last_loaded_at'] or '-'}{synthetic}"
        )
        for f in r["files"]:
            click.echo(
                f"    {f['file_name']}  sha256 {f['sha256'][:16]}…  {f['rows']:,} 行  {f['loaded_at']}"
            )


@main.command(
    context_settings=CONTEXT,
    help=(
        "按指标目录重算全部指标、目标进度、城市排名与综合指数（每次加载数据后自动执行），"
        "写入仓库的新版本。\n\n"
        "Recompute every indicator, target progress, league table and composite index from the "
        "catalog (done automatically after every ingest) into a new warehouse version."
    ),
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print as JSON")
def compute(as_json: bool) -> None:
    from indicators.engine import materialise

    warehouse = Warehouse()
    if not warehouse.exists():
        click.echo(f"数据仓库不存在：{warehouse.path} / no warehouse yet", err=True)
        sys.exit(1)
    with warehouse.writer() as staging:
        report = materialise(staging.con)
    if as_json:
        click.echo(json.dumps({**report.__dict__, "data_end": str(report.data_end)}, indent=2))
    else:
        click.echo(
            f"已重算 {report.indicators} 个指标，{report.rows:,} 行，数据截至 {report.data_end}，"
            f"用时 {report.seconds:.1f} 秒 / recomputed {report.indicators} indicators"
        )


def _register_extra_commands() -> None:
    from indicators.cli import assess
    from indicators.reports.cli import report
    from models.cli import forecast

    main.add_command(assess)
    main.add_command(forecast)
    main.add_command(report)


_register_extra_commands()

if __name__ == "__main__":
    main()
