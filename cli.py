"""``databrain`` — the command line of 数据大脑, on the top floor: its commands call
:mod:`pipeline` (load, recompute, forecast, demo) and the floors' own command modules.

Every command reads the warehouse location from ``DATABRAIN_DB``
(default ``data/databrain.duckdb`` under the project directory).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

import click

import pipeline
from datasets import accounts, supervision
from datasets.access import load_roles, role_label
from datasets.accounts import AccountError
from datasets.config import db_path, today
from datasets.ingest import IngestError
from datasets.status import dataset_status
from datasets.warehouse import Warehouse
from indicators import read
from indicators.catalog import default_catalog
from indicators.cli import assess
from indicators.evidence import target_evidence, warning_evidence
from models.cli import CONTEXT, fail, forecast_series, parse_period, read_series_file
from models.specs import SPEC_KINDS, write_schemas
from reports import subscriptions
from reports.cli import report


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


@main.command(
    context_settings=CONTEXT,
    help=(
        "启动驾驶舱网页服务；仓库不存在时先用内置模拟数据建库。\n\n"
        "Serve the cockpit; builds the warehouse from the bundled demo data on first run."
    ),
)
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 / host to bind")
@click.option("--port", default=8050, show_default=True, type=int, help="端口 / port")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="工作进程数（默认 CPU 核数，至多 4）/ worker processes (default: cores, at most 4)",
)
@click.option(
    "--debug",
    is_flag=True,
    help="开发服务器 + Dash 调试模式，仅供开发 / development server with Dash debug mode",
)
def serve(host: str, port: int, workers: int | None, debug: bool) -> None:
    warehouse = Warehouse()
    if not warehouse.exists():
        click.echo(
            f"首次运行：用内置模拟数据建库 {warehouse.path} / first run: building demo warehouse"
        )
        started = time.perf_counter()
        pipeline.build_demo(warehouse=warehouse)
        click.echo(f"建库完成，用时 {time.perf_counter() - started:.1f} 秒 / done")
    if not accounts.list_users():
        _first_admin()
    # cookies marked Secure unless the app is only reachable from this machine: anything served
    # to the network must sit behind TLS (README 部署)
    os.environ.setdefault(
        "DATABRAIN_COOKIE_SECURE", "0" if host in ("127.0.0.1", "localhost", "::1") else "1"
    )
    # the web app is built here, once, and only for `serve`: the other commands need no pages
    import app as web

    workers = workers or min(4, os.cpu_count() or 1)
    server = "Dash 开发服务器 / development server" if debug else web.wsgi_server_name()
    click.echo(
        f"数据大脑 → http://{host}:{port}/  ({server}; DATABRAIN_DB={warehouse.path})"
        + ("" if debug else f"  {workers} 个工作进程 / workers")
    )
    _start_notifier()
    _start_prewarmer()
    _resume_forecast(warehouse)
    if debug:
        web.app.run(host=host, port=port, debug=True)
    else:
        web.run_wsgi(web.server, host=host, port=port, workers=workers)


def _resume_forecast(warehouse: Warehouse) -> None:
    """A forecast a load asked for but that never finished (killed, a reboot) runs again now."""
    if os.environ.get("DATABRAIN_BACKGROUND_FORECAST", "1") == "0":
        return
    key = pipeline.resume_forecast(warehouse)
    if key:
        click.echo(f"上次加载后的预测未完成，已重新开始（任务 {key}）/ resuming the forecast")


def _start_notifier() -> None:
    """Run `databrain notify run-due` every ``DATABRAIN_NOTIFY_MINUTES`` (default 60; 0: never,
    leave it to cron) from the serving process — once per server, not once per worker — each
    time in a process of its own, so a report render never weighs on the web workers."""
    minutes = float(os.environ.get("DATABRAIN_NOTIFY_MINUTES", "60"))
    if minutes <= 0:
        return
    command = [str(Path(sys.executable).with_name("databrain")), "notify", "run-due"]

    def loop() -> None:
        while True:
            time.sleep(minutes * 60)
            subprocess.run(command, stdout=subprocess.DEVNULL, check=False)

    threading.Thread(target=loop, name="databrain-notify", daemon=True).start()


PREWARM_POLL_SECONDS = 5.0


def _start_prewarmer() -> bool:
    """Watch for a new warehouse version (or a new day: both change every cache key) and, once
    per version and day across every worker and machine sharing the cache, run `databrain cache
    prewarm` in a process of its own, at low priority: the requests people asked of the last
    version are answered for the new one before they ask again. ``DATABRAIN_PREWARM=0`` turns it
    off. Whatever goes wrong is logged; the server carries on. True when the watch started."""
    from pages import _cache

    if not _cache.prewarm_enabled():
        return False
    command = [str(Path(sys.executable).with_name("databrain")), "cache", "prewarm", "--nice", "10"]

    def loop() -> None:
        seen = None
        while True:
            seen = _prewarm_step(seen, command)
            time.sleep(PREWARM_POLL_SECONDS)

    threading.Thread(target=loop, name="databrain-prewarm", daemon=True).start()
    return True


def _prewarm_step(seen: str | None, command: list[str]) -> str | None:
    """One look: when the version or day is new to this watch, run ``command``, which claims
    it first (of several servers noticing at once, one pre-warms; the others stop there).
    Returns what was seen. It reads a symlink and nothing else, every few seconds: this is the
    process the web workers are forked from, so it opens no connection they could inherit."""
    from pages import _cache

    try:
        name = _cache.generation()
        if name is None or name == seen:
            return seen
        subprocess.run(command, check=False)
        return name
    except Exception:
        logging.getLogger(__name__).warning("缓存预热失败 / pre-warming failed", exc_info=True)
        return seen


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
    names = ", ".join(p.name for p in paths)
    try:
        results = pipeline.load(list(paths), dataset)
        accounts.record(
            _actor(),
            "ingest",
            target=names,
            detail={"files": [{k: v for k, v in r.__dict__.items()} for r in results]},
        )
        if forecast and any(not r.skipped for r in results):
            pipeline.forecast(Warehouse())
    except IngestError as err:
        accounts.record(
            _actor(), "ingest", result="failed", target=names, detail={"issues": err.total}
        )
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
    results = pipeline.build_demo(scale=scale, seed=seed, forecast_after=forecast)
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
    warehouse = Warehouse()
    if not warehouse.exists():
        click.echo(f"数据仓库不存在：{warehouse.path} / no warehouse yet", err=True)
        sys.exit(1)
    with warehouse.writer() as staging:
        report = pipeline.recompute(staging.con)
    if as_json:
        click.echo(json.dumps({**report.__dict__, "data_end": str(report.data_end)}, indent=2))
    else:
        click.echo(
            f"已重算 {report.indicators} 个指标，{report.rows:,} 行，数据截至 {report.data_end}，"
            f"用时 {report.seconds:.1f} 秒 / recomputed {report.indicators} indicators"
        )


@main.command(
    context_settings=CONTEXT,
    help=(
        "预测。不带 --series-file 时：为目标集中每个量化目标、全省与 13 市、当前与中期评估两个"
        "时点批量预测（按截止期限的预测步长回测选模型并校准区间，并行计算），写入仓库表 "
        "forecasts、forecast_models 与 forecast_track_record（达标概率的历史检验）。"
        "带 --series-file F.csv 时：预测文件中的序列。文件为长表：列 period,value，或 "
        "series,period,value 一次预测多个序列（中文表头 序列,时期,数值 亦可）；时期为 YYYY、"
        "YYYY-Qn 或 YYYY-MM，按时期排序，重复时期、缺口、空值或频率混用则报错（指明文件、行、列，"
        "退出码 2）。输出所选模型、点预测、80% 与 95% 区间、回测 MASE；加 --target V "
        "--target-period P 时另输出到 P 期达到 V 的概率 p_meet 与预计达标时期。无 series 列时 "
        'JSON 为单个对象；有 series 列时为 {"series": {名称: 对象}}。\n\n'
        "Forecast. Without --series-file: forecast every numeric target series (province and 13 "
        "cities, newest and mid-term vintages; model chosen and intervals calibrated by backtest "
        "at the horizon to the deadline, fitted in parallel) into the warehouse tables "
        "forecasts, forecast_models and forecast_track_record. With --series-file F.csv: a long "
        "CSV with columns period,value, or series,period,value for many series (Chinese "
        "headers 序列,时期,数值 too); periods YYYY, YYYY-Qn or YYYY-MM, sorted; a duplicate "
        "period, a gap, an empty value or mixed frequencies is an error naming file, row and "
        "column (exit code 2). Prints the chosen model, point forecasts, 80% and 95% intervals "
        "and the backtest MASE; --target V --target-period P adds p_meet (the probability of "
        "meeting V at P) and the expected period. JSON is one object without a series column, "
        '{"series": {name: object}} with one.'
    ),
)
@click.option(
    "--series-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="序列 CSV（长表）/ series as a long CSV",
)
@click.option("--period", type=int, default=None, help="季节周期（默认月度 12、季度 4）/ season")
@click.option("--horizon", type=int, default=12, show_default=True, help="预测步数 / steps ahead")
@click.option("--bounds", default=None, help="自然界限 LO,HI（如 0,100）/ natural bounds")
@click.option("--cumulative", is_flag=True, help="累计值，不会下降 / a running total")
@click.option("--target", type=float, default=None, help="目标值 / target value")
@click.option(
    "--target-period", default=None, help="目标时期 / target period (YYYY, YYYY-Qn, YYYY-MM)"
)
@click.option(
    "--polarity",
    type=click.Choice(["higher", "lower"]),
    default="higher",
    show_default=True,
    help="越高越好或越低越好 / higher or lower is better",
)
@click.option("--workers", type=int, default=None, help="并行进程数 / worker processes")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print JSON")
def forecast(
    series_file,
    period,
    horizon,
    bounds,
    cumulative,
    target,
    target_period,
    polarity,
    workers,
    as_json,
) -> None:
    if series_file is None:
        _batch(workers, as_json)
        return
    if horizon < 1:
        fail(f"--horizon 须为正整数，实际为 {horizon} / --horizon must be ≥ 1")
    if (target is None) != (target_period is None):
        fail("--target 与 --target-period 须同时给出 / give both --target and --target-period")
    if target_period is not None and parse_period(target_period) is None:
        fail(
            f"--target-period「{target_period}」不是 YYYY、YYYY-Qn 或 YYYY-MM / "
            "--target-period must be YYYY, YYYY-Qn or YYYY-MM"
        )
    lo = hi = None
    if bounds:
        try:
            lo_s, hi_s = bounds.split(",")
            lo = float(lo_s) if lo_s.strip() else None
            hi = float(hi_s) if hi_s.strip() else None
        except ValueError:
            fail(f"--bounds 应为 LO,HI，实际为「{bounds}」/ --bounds must be LO,HI")
    all_series = read_series_file(series_file)
    options = {
        "period": period,
        "horizon": horizon,
        "bounds": (lo, hi) if bounds else None,
        "cumulative": cumulative,
        "target": target,
        "target_period": target_period,
        "polarity": polarity,
    }
    results = {data.name: forecast_series(data, **options) for data in all_series}
    keyed = all_series[0].name is not None
    if as_json:
        payload = {"series": results} if keyed else results[None]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
        return
    for name, result in results.items():
        head = f"【{name}】" if keyed else ""
        click.echo(f"{head}模型 model: {result['model_label']}  {result['note']}")
        if result.get("p_meet") is not None:
            expected = result["expected_period"] or "预测期内未达到 / not within the horizon"
            click.echo(
                f"到 {result['target_period']} 达到 {result['target']:g} 的概率 "
                f"{100 * result['p_meet']:.0f}%，预计达标时期 {expected}"
            )
        for row in result["forecast"]:
            click.echo(
                f"{row['period']}  {row['mean']:.2f}  80% [{row['lo80']:.2f}, {row['hi80']:.2f}]"
                f"  95% [{row['lo95']:.2f}, {row['hi95']:.2f}]"
            )


def _batch(workers: int | None, as_json: bool) -> None:
    warehouse = Warehouse()
    if not warehouse.exists() or "target_progress" not in warehouse.table_names():
        fail("数据仓库不存在或指标尚未计算（先运行 databrain demo / compute）/ no indicators yet")
    report = pipeline.forecast(warehouse, workers=workers)
    summary = {
        "series": report.series,
        "seconds": report.seconds,
        "workers": report.workers,
        "track_record_questions": report.track_record_questions,
        "track_record_skill": report.track_record_skill,
    }
    if as_json:
        click.echo(json.dumps(summary))
    else:
        click.echo(
            f"已预测 {report.series} 个序列，{report.workers} 个进程，用时 {report.seconds:.1f} 秒"
            f" / forecast {report.series} series"
        )
        if report.track_record_questions:
            skill = report.track_record_skill
            click.echo(
                f"达标概率历史检验：{report.track_record_questions} 个问题，Brier 技巧评分 "
                f"{'—' if skill is None else f'{skill:.2f}'} / track record of P(target met)"
            )


@main.command(
    context_settings=CONTEXT,
    help=(
        "检查由规格模型生成的 JSON Schema 文件是否最新；--write 重新生成。\n\n"
        "Check that the JSON Schema files generated from the spec models are current; "
        "--write regenerates the stale ones."
    ),
)
@click.option("--write", is_flag=True, help="重新生成过期的文件 / regenerate stale files")
def specs(write: bool) -> None:
    if write:
        for path in write_schemas():
            click.echo(f"已重新生成 / written: {path}")
        return
    stale = [k.path for k in SPEC_KINDS if not k.is_current()]
    for path in stale:
        click.echo(f"过期 / stale: {path}（运行 databrain specs --write）", err=True)
    if stale:
        sys.exit(1)
    click.echo(f"{len(SPEC_KINDS)} 个 JSON Schema 文件均为最新 / all current")


def _first_admin() -> None:
    """No account yet: create the administrator ``admin`` with a one-time password."""
    _, one_time = accounts.add_user("admin", "system_admin", actor="first-run")
    line = "=" * 72
    click.echo(
        f"{line}\n首次运行：已创建系统管理员 admin / first run: created the administrator 'admin'\n"
        f"一次性密码 / one-time password: {one_time}\n"
        "首次登录后须设置新密码；此密码不再显示 / change it at first sign-in; it is not shown again\n"
        f"{line}"
    )


@main.group(
    context_settings=CONTEXT,
    help="管理账号（操作存储由 DATABRAIN_STATE_URL 指定，缺省为仓库旁的 state.sqlite）/ Manage accounts.",
)
def user() -> None:
    pass


def _password_from_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail("标准输入中没有密码")
    return password


def _actor() -> str:
    return f"cli:{os.environ.get('USER') or os.getuid()}"


@user.command(
    "add",
    context_settings=CONTEXT,
    help=(
        "新建账号。角色："
        + "、".join(f"{k}（{v.name_zh}）" for k, v in load_roles().items())
        + "。不给 --password-stdin 时生成一次性密码（首次登录须修改）。"
    ),
)
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(sorted(load_roles())), help="角色 / role")
@click.option("--city", help="设区市代码（city_user 必填），如 320500 / city code")
@click.option("--unit", help="责任单位（department_user 必填），如 省政务办 / unit")
@click.option("--email", help="接收通知的邮箱 / e-mail for notifications")
@click.option(
    "--password-stdin", is_flag=True, help="从标准输入读密码 / read the password from stdin"
)
def user_add(
    name: str,
    role: str,
    city: str | None,
    unit: str | None,
    email: str | None,
    password_stdin: bool,
) -> None:
    password = _password_from_stdin() if password_stdin else None
    try:
        created, one_time = accounts.add_user(
            name, role, city=city, unit=unit, password=password, actor=_actor(), email=email
        )
    except AccountError as err:
        fail(str(err))
    click.echo(f"已新建账号 {created.username}（{role_label(created.role)}）")
    if one_time:
        click.echo(f"一次性密码 / one-time password: {one_time}（首次登录须修改）")


@user.command("list", context_settings=CONTEXT, help="列出账号 / list accounts.")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / JSON output")
def user_list(as_json: bool) -> None:
    found = accounts.list_users()
    if as_json:
        rows = [
            {
                "username": u.username,
                "role": u.role,
                "city": u.city_code,
                "unit": u.unit,
                "source": u.source,
                "disabled": u.disabled,
                "must_change_password": u.must_change_password,
                "created_at": u.created_at.isoformat(),
            }
            for u in found
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for u in found:
        where = u.city_code or u.unit or "全省"
        state = "已停用" if u.disabled else ("待改密" if u.must_change_password else "正常")
        click.echo(f"{u.username}\t{role_label(u.role)}\t{where}\t{state}")


@user.command("disable", context_settings=CONTEXT, help="停用账号并结束其会话 / disable a user.")
@click.argument("name")
def user_disable(name: str) -> None:
    try:
        accounts.disable_user(name, actor=_actor())
    except AccountError as err:
        fail(str(err))
    click.echo(f"已停用 {name}")


@user.command("passwd", context_settings=CONTEXT, help="重设密码 / set a user's password.")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="从标准输入读密码 / read the password from stdin"
)
def user_passwd(name: str, password_stdin: bool) -> None:
    password = _password_from_stdin() if password_stdin else None
    one_time = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        accounts.set_password(name, password, actor=_actor(), one_time=one_time)
    except AccountError as err:
        fail(str(err))
    click.echo(f"已重设 {name} 的密码")
    if one_time:
        click.echo(f"一次性密码 / one-time password: {password}（首次登录须修改）")


@main.command(context_settings=CONTEXT, help="查看审计日志 / show the audit log.")
@click.option("--since", help="起始时间（UTC），如 2026-12-01 或 2026-12-01T08:00")
@click.option("--user", "actor", help="操作人 / actor")
@click.option("--action", help="操作，如 login、upload、export / action")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / JSON output")
def audit(since: str | None, actor: str | None, action: str | None, as_json: bool) -> None:
    try:
        start = dt.datetime.fromisoformat(since) if since else None
    except ValueError:
        fail(f"--since 应为日期或时间：{since}")
    log = accounts.audit_entries(since=start, actor=actor, action=action)
    if as_json:
        click.echo(json.dumps(log.to_dicts(), ensure_ascii=False, default=str, indent=2))
        return
    for r in log.iter_rows(named=True):
        where = " ".join(x for x in (r["target"], r["region_code"]) if x)
        click.echo(
            f"{r['at']:%Y-%m-%d %H:%M:%S}\t{r['actor']}\t{r['action']}\t{r['result']}\t{where}"
        )


@main.group(
    context_settings=CONTEXT,
    help="督办事项：发起、列出、查看（状态以流程的 id 与中文名给出）/ Supervision tasks.",
)
def task() -> None:
    pass


@task.command("create", context_settings=CONTEXT, help="发起督办事项 / raise a supervision task.")
@click.option("--from-warning", "warning", metavar="RULE:REGION:INDICATOR", help="由预警发起")
@click.option("--target", "indicator", metavar="INDICATOR", help="由滞后目标发起（指标代码）")
@click.option("--region", metavar="CODE", help="地区代码（由目标发起时必填）")
@click.option("--unit", help="承办单位，如 省政务办 / responsible unit")
@click.option("--due", required=True, metavar="YYYY-MM-DD", help="截止日期 / deadline")
@click.option("--title", required=True, help="标题 / title")
@click.option("--requirement", default="", help="督办要求 / what is required")
@click.option("--priority", type=click.Choice(["high", "medium", "low"]), default="medium")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / JSON output")
def task_create(warning, indicator, region, unit, due, title, requirement, priority, as_json):
    if bool(warning) == bool(indicator):
        fail("须且只须给出 --from-warning 或 --target 之一 / give --from-warning or --target")
    try:
        deadline = dt.date.fromisoformat(due)
    except ValueError:
        fail(f"--due 应为 YYYY-MM-DD：{due}")
    warehouse = Warehouse()
    try:
        if warning:
            evidence = warning_evidence(warehouse, warning)
            source, ref = "warning", warning
        else:
            if not region:
                fail("由目标发起时须给出 --region / --target needs --region")
            evidence = target_evidence(warehouse, indicator, region)
            source, ref = "target", f"{evidence['target_set']}:{indicator}:{region}"
        made = supervision.create_task(
            title=title,
            due=deadline,
            creator=_actor(),
            indicator=evidence.get("indicator"),
            region=evidence["region_code"],
            unit=unit,
            requirement=requirement,
            priority=priority,
            source=source,
            source_ref=ref,
            evidence=evidence,
        )
    except (ValueError, FileNotFoundError) as err:
        fail(str(err))
    if as_json:
        click.echo(json.dumps(made.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(f"已发起督办事项 #{made.id}：{made.title}（{made.to_dict()['state_zh']}）")


@task.command("list", context_settings=CONTEXT, help="列出督办事项，逾期在前 / list tasks.")
@click.option("--state", help="状态 id，如 pending、answered / lifecycle state")
@click.option("--region", metavar="CODE", help="地区代码 / region")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / JSON output")
def task_list(state, region, as_json):
    found = supervision.list_tasks(state=state, region=region)
    if as_json:
        click.echo(json.dumps([t.to_dict() for t in found], ensure_ascii=False, indent=2))
        return
    for t in found:
        d = t.to_dict()
        late = "【逾期】" if d["overdue"] else ""
        click.echo(f"#{t.id}\t{late}{d['state_zh']}\t{t.due}\t{t.region_code or t.unit}\t{t.title}")


@task.command("show", context_settings=CONTEXT, help="查看督办事项与其流转记录 / show a task.")
@click.argument("task_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / JSON output")
def task_show(task_id, as_json):
    found = supervision.get_task(task_id)
    if found is None:
        fail(f"没有督办事项 #{task_id}")
    data = {
        **found.to_dict(),
        "timeline": supervision.timeline(task_id),
        "assessments": supervision.assessments(task_id),
    }
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"#{found.id} {found.title}（{data['state_zh']}，截止 {found.due}）")
    for e in data["timeline"]:
        click.echo(
            f"  {e['at']}  {e['actor']}  {e['action_zh']} → {e['to_zh']}  {e['comment'] or ''}"
        )
    if data["assessments"]:
        last = data["assessments"][-1]
        click.echo(f"成效评估：{last['verdict_zh']}（数据截至 {last['as_of'] or '—'}）")


@user.command("email", context_settings=CONTEXT, help="设置接收通知的邮箱 / set a user's e-mail.")
@click.argument("name")
@click.argument("address", required=False)
def user_email(name: str, address: str | None) -> None:
    try:
        accounts.set_email(name, address, actor=_actor())
    except AccountError as err:
        fail(str(err))
    click.echo(f"已设置 {name} 的邮箱：{address or '（无）'}")


@main.group(
    context_settings=CONTEXT,
    help=(
        "通知：督办提醒（即将到期、逾期、升级）、每日摘要与订阅报告的投递 / notifications.\n\n"
        "由 cron 每小时运行 `databrain notify run-due` 即可；同一条通知不会重复发送。"
    ),
)
def notify() -> None:
    pass


@notify.command(
    "run-due",
    context_settings=CONTEXT,
    help="发送今天到期的督办提醒与摘要，生成并投递到期的订阅报告 / send what is due now.",
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / JSON output")
def notify_run_due(as_json: bool) -> None:
    lock_path = db_path().parent / ".notify.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            click.echo("另一进程正在发送通知，本次跳过 / another run is sending; skipped")
            return
        reminded = supervision.remind()
        delivered = subscriptions.run_due()
    if as_json:
        click.echo(
            json.dumps({"reminders": reminded, "subscriptions": delivered}, ensure_ascii=False)
        )
        return
    click.echo(
        f"督办提醒：即将到期 {reminded['due_soon']}，逾期 {reminded['overdue']}，"
        f"升级 {reminded['escalated']}；摘要 {reminded['digest']} 人"
    )
    for d in delivered:
        result = d.get("file") or f"失败：{d.get('error')}"
        click.echo(f"订阅 #{d['id']}（{d['username']}）：{result}")


@main.group(
    context_settings=CONTEXT,
    help="报告订阅：按周期生成报告并发送到站内信与邮箱 / report subscriptions.",
)
def subscription() -> None:
    pass


@subscription.command("add", context_settings=CONTEXT, help="新建订阅 / subscribe a user.")
@click.argument("username")
@click.option("--target-set", default=None, help="目标集（缺省为当前规划）")
@click.option("--region", default="320000", show_default=True, metavar="CODE")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), default="pdf")
@click.option(
    "--schedule",
    default="after_load",
    show_default=True,
    help="after_load、monthly 或 cron 表达式（如 '0 8 1 * *'）",
)
def subscription_add(username, target_set, region, fmt, schedule):
    try:
        made = subscriptions.subscribe(
            username,
            target_set=target_set or read.default_target_set(),
            region=region,
            fmt=fmt,
            schedule=schedule,
        )
    except ValueError as err:
        fail(str(err))
    click.echo(f"已订阅 #{made.id}：{made.region_code} {made.format}（{made.schedule_zh}）")


@subscription.command("list", context_settings=CONTEXT, help="列出订阅 / list subscriptions.")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / JSON output")
def subscription_list(as_json):
    found = [s.to_dict() for s in subscriptions.listed()]
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    for s in found:
        click.echo(
            f"#{s['id']}\t{s['username']}\t{s['region_zh']}\t{s['format']}\t{s['schedule_zh']}"
        )


@main.group(
    context_settings=CONTEXT,
    help="规划（目标集）：列出、加入规划库并开始跟踪 / list the plans, add one and track it.",
)
def plan() -> None:
    pass


@plan.command("list", context_settings=CONTEXT, help="列出全部规划 / list the plans.")
def plan_list():
    shown = read.default_target_set()
    for ts in default_catalog().target_sets.values():
        mark = "*" if ts.id == shown else " "
        click.echo(
            f"{mark} {ts.id}\t{ts.name_zh}\t{ts.period_label}\t{ts.phase_label(today())}"
            f"\t{ts.status_label}\t{len(ts.targets)} 项目标"
        )
    click.echo("（* 为网址未指定规划时各页显示的规划）")


@plan.command(
    "add",
    context_settings=CONTEXT,
    help="校验目标集 YAML，放入规划库，计算其目标进度、预测与预警 / add a plan and track it.",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def plan_add(file: Path):
    warehouse = Warehouse()
    if not warehouse.exists():
        fail("数据仓库不存在：请先运行 databrain demo 或 databrain ingest")
    plan_id, problems = pipeline.install_plan(
        warehouse, file.read_text(encoding="utf-8"), actor="cli"
    )
    if plan_id is None:
        fail(f"「{file.name}」未通过校验：\n" + "\n".join(problems))
    report = pipeline.track_plan(warehouse, plan_id)
    click.echo(f"已加入规划库并开始跟踪：{plan_id}（预测 {report.series} 个序列）")


@main.group(
    context_settings=CONTEXT,
    help=(
        "只读回调的共享缓存：预热、查看、清空（DATABRAIN_CACHE_URL 为 Redis 时作用于 Redis）。\n\n"
        "The shared answer cache: pre-warm, inspect, clear."
    ),
)
def cache() -> None:
    pass


@cache.command(
    "prewarm",
    context_settings=CONTEXT,
    help=(
        "为当前数据仓库版本预先算好常被访问的回调答案（按各角色、城市、单位的访问记录重放），"
        "每个版本与日期只做一次；`databrain serve` 在每次加载后自动运行。\n\n"
        "Compute the answers people ask for, for the current warehouse version, before they ask "
        "(the recorded requests replayed under each recorded scope); once per version and day "
        "unless --force. `databrain serve` runs it after every load."
    ),
)
@click.option("--force", is_flag=True, help="本版本已预热过也重做 / even if already done")
@click.option(
    "--nice", type=click.IntRange(0, 19), default=0, help="降低本进程优先级 / lower CPU priority"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print as JSON")
def cache_prewarm(force: bool, nice: int, as_json: bool) -> None:
    if nice and hasattr(os, "nice"):
        os.nice(nice)
    if not Warehouse().exists():
        fail("数据仓库不存在：请先运行 databrain demo 或 databrain ingest")
    from pages import _cache

    if not _cache.enabled():
        fail("缓存已关闭（DATABRAIN_CACHE=0）/ the cache is off")
    name = _cache.generation()
    if not force and not _cache.claim(name):
        result = {"generation": name, "skipped": True, "claim": _cache.claim_record(name)}
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False, default=str))
        else:
            click.echo(f"本版本已由其他进程预热，跳过 / already claimed: {name}")
        return
    import app as web  # built only by the process that pre-warms

    result = _cache.prewarm(web.server, name=name)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    version = Warehouse().version()
    click.echo(
        f"缓存预热 {version}：重放 {result['asked']} 个请求，新算 {result['computed']}，"
        f"已有 {result['already']}，失败 {result['failed']}，用时 {result['seconds']:.1f} 秒"
        + ("（期间版本已更新，提前结束）" if result["stopped"] else "")
        + f" / pre-warmed {result['computed']} answers"
    )


@cache.command(
    "status",
    context_settings=CONTEXT,
    help="当前版本是否已预热，以及最常访问的请求 / pre-warm state and the most asked requests.",
)
@click.option("--top", type=int, default=10, show_default=True, help="列出前几项 / entries shown")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print as JSON")
def cache_status(top: int, as_json: bool) -> None:
    from pages import _cache

    name = _cache.generation()
    hot = _cache.hot_entries()
    shown = [
        {
            "weight": round(e["weight"], 2),
            "role": e["scope"].get("role"),
            "city": e["scope"].get("city"),
            "unit": e["scope"].get("unit"),
            "output": e["body"].get("output"),
            "inputs": [
                i.get("value") for i in e["body"].get("inputs") or [] if isinstance(i, dict)
            ],
        }
        for e in hot[:top]
    ]
    status_ = {
        "generation": name,
        "claim": _cache.claim_record(name) if name else None,
        "hot_entries": len(hot),
        "top": shown,
    }
    if as_json:
        click.echo(json.dumps(status_, ensure_ascii=False, default=str, indent=2))
        return
    claim = status_["claim"]
    if claim is None:
        click.echo(f"{name}：尚未预热 / not pre-warmed")
    else:
        done = claim.get("done")
        summary = (
            f"新算 {done['computed']}，已有 {done['already']}，失败 {done['failed']}，"
            f"{done['seconds']:.1f} 秒"
            if done
            else "进行中 / in progress"
        )
        click.echo(f"{name}：由 {claim['by']} 预热，{summary}")
    click.echo(f"访问记录 {len(hot)} 项 / hot set entries")
    for e in shown:
        where = e["city"] or e["unit"] or "全省"
        click.echo(f"  {e['weight']:>7.2f}  {e['role']}（{where}）  {e['output']}  {e['inputs']}")


@cache.command(
    "clear",
    context_settings=CONTEXT,
    help=(
        "清空缓存的答案与预热记录；访问记录保留，除非 --all。\n\n"
        "Empty the cache (answers, pre-warm claims); the record of what is asked is kept unless "
        "--all."
    ),
)
@click.option("--all", "forget_asked", is_flag=True, help="连同访问记录 / the hot set too")
def cache_clear(forget_asked: bool) -> None:
    from pages import _cache

    _cache.clear(forget_asked=forget_asked)
    click.echo("缓存已清空 / cache cleared" + ("（含访问记录）" if forget_asked else ""))


@main.command(
    context_settings=CONTEXT,
    help=(
        "写入节点的任务执行进程（多台服务器部署）：从 DATABRAIN_JOB_QUEUE（Redis）取出各网页节点"
        "排入的任务（上传加载、报告生成、规划跟踪），在本机运行，每核至多一个；SIGTERM 后停止"
        "接收，运行中的任务继续至结束。见 docs/deployment.md 第 2 节。\n\n"
        "The writer's job runner on several machines: takes the jobs the web nodes queue in "
        "DATABRAIN_JOB_QUEUE (Redis) and runs them here, one per core; on SIGTERM it stops "
        "taking and lets running jobs finish."
    ),
)
@click.option(
    "--jobs",
    "slots",
    type=click.IntRange(1, None),
    default=None,
    help="同时运行的任务数上限（缺省：CPU 核数）/ most jobs at once (default: one per core)",
)
def worker(slots: int | None) -> None:
    from datasets import job_queue, jobs

    if not job_queue.enabled():
        fail("未设置 DATABRAIN_JOB_QUEUE（redis://主机:6379/1）/ DATABRAIN_JOB_QUEUE is not set")
    if Warehouse().exists():
        _resume_forecast(Warehouse())
    jobs.work_queue(slots=slots, echo=click.echo)


main.add_command(assess)
main.add_command(report)

if __name__ == "__main__":
    main()
