"""Widgets shared by pages."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from datasets import supervision
from datasets.config import today
from datasets.summary import is_synthetic
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.catalog import default_catalog
from indicators.text import (  # noqa: F401  (page-facing names)
    BINDING_LABELS,
    METHOD_LABELS,
    STATUS_ORDER,
    STATUS_STYLE,
    fmt_value,
    month_label,
    value_time_label,
)
from indicators.verdict import (
    FINAL_VERDICTS,
    VERDICT_MEANING,
    VERDICT_ORDER,
    shown_period,
    verdict_counts,
    year_period,
)
from indicators.views import target_set_of
from pages import _auth, _ids


def synthetic_banner():
    """The 模拟数据 banner, shown whenever the warehouse holds demo rows."""
    warehouse = shared_warehouse()
    if not warehouse.exists() or not is_synthetic(warehouse):
        return None
    return dbc.Alert(
        [
            html.Strong("模拟数据 "),
            html.Span(
                "本页所示数据由程序按《江苏省“十四五”数字政府建设规划》的基线与目标生成，"
                "仅供演示，不代表真实统计。"
            ),
            html.Span(" Synthetic demo data.", className="text-muted ms-1"),
        ],
        color="warning",
        className="synthetic-banner mb-0 rounded-0 py-2 text-center",
        id="synthetic-banner-alert",
    )


def target_decimals(value: float | None) -> int:
    """Decimals that show a target as written: 95 → 0, 99.5 → 1, 99.25 → 2."""
    if value is None:
        return 0
    for decimals in (0, 1, 2):
        if abs(round(value, decimals) - value) < 1e-9:
            return decimals
    return 2


def plan_bar(pathname: str | None, search: str | None):
    """The plan switcher: every target set as a link to this page with ``set`` in the URL,
    the one shown marked, each with its years, phase and (for a draft) its status. Nothing
    when there is only one plan."""
    catalog = default_catalog()
    if len(catalog.target_sets) < 2:
        return None
    query = dict(parse_qsl((search or "").lstrip("?")))
    shown = target_set_of(query)
    default = read.default_target_set()
    now = today()
    links = []
    order = sorted(catalog.target_sets.values(), key=lambda t: (t.baseline_year, t.id))
    for ts in order:
        wanted = {k: v for k, v in query.items() if k != "set"}
        if ts.id != default:
            wanted["set"] = ts.id
        href = (pathname or "/") + (f"?{urlencode(wanted)}" if wanted else "")
        note = ts.phase_label(now)
        links.append(
            html.A(
                [
                    html.Span(ts.name_zh, className="plan-name"),
                    html.Span(f"{ts.period_label} · {note}", className="plan-note"),
                    html.Span(ts.status_label, className="plan-status")
                    if ts.status != "adopted"
                    else None,
                ],
                href=href,
                className="plan-link" + (" active" if ts.id == shown else ""),
                title=(ts.basis or ts.document),
                **{"data-set": ts.id, "aria-current": "page" if ts.id == shown else "false"},
            )
        )
    return html.Nav(
        [html.Span("规划", className="plan-bar-label"), *links],
        className="plan-bar",
        **{"aria-label": "切换规划"},
    )


def stat_card(title: str, value: str, note: str = "") -> dbc.Card:
    """A small figure card: title, big value, note."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(title, className="stat-title"),
                html.Div(value, className="stat-value"),
                html.Div(note, className="stat-note"),
            ]
        ),
        className="stat-card h-100",
    )


def fmt_int(n: int | None) -> str:
    """Thousands-separated integer, '—' when missing."""
    return "—" if n is None else f"{n:,}"


def fmt_rows(n: int) -> str:
    """Row counts for people: 1,234 / 12.3 万 / 1.23 亿."""
    if n >= 100_000_000:
        return f"{n / 100_000_000:.2f} 亿"
    if n >= 100_000:
        return f"{n / 10_000:.1f} 万"
    return f"{n:,}"


# --- cockpit widgets (shared by every page of the cockpit) -------------------------------------


def status_badge(status: str | None, *, big: bool = False, **kwargs) -> html.Span:
    """A status in colour, symbol and words (e.g. ▲ 需加速)."""
    label, colour, symbol = STATUS_STYLE.get(
        status or "not_assessable", STATUS_STYLE["not_assessable"]
    )
    return html.Span(
        [html.Span(symbol, className="status-symbol", **{"aria-hidden": "true"}), label],
        className="status-badge" + (" status-badge-lg" if big else ""),
        style={"backgroundColor": colour},
        title=label,
        **{"data-status": status or "not_assessable"},
        **kwargs,
    )


def verdict_badge(row: dict, *, big: bool = False, text: bool = False) -> html.Span:
    """A target's one verdict (:mod:`indicators.verdict`) as a badge, tagged with the target
    and region so every rendering of a verdict can be found and compared. ``text=True`` shows
    the verdict with its gap or first date (到期未达成，差 0.2 个百分点)."""
    verdict = row.get("verdict") or "not_assessable"
    badge = status_badge(
        verdict,
        big=big,
        **{
            "data-verdict": verdict,
            "data-indicator": row.get("indicator") or "",
            "data-region": row.get("region_code") or "",
        },
    )
    if text and row.get("verdict_text") and row["verdict_text"] != row.get("verdict_label"):
        rest = row["verdict_text"][len(row.get("verdict_label") or "") :].lstrip("，")
        return html.Span([badge, html.Span(rest, className="small ms-1 verdict-detail")])
    return badge


def figure(
    value,
    unit: str,
    decimals: int,
    *,
    indicator: str,
    region: str,
    period: str | None,
    className: str = "",
) -> html.Span:
    """A figure on screen, tagged with what it is — indicator, region and period (2025,
    2026Q3, 2026-10) — so every displayed value can be traced to (and checked against) the
    read API."""
    return html.Span(
        fmt_value(value, unit, decimals),
        className=className or None,
        **{"data-figure": f"{indicator}|{region}|{period or ''}"},
    )


def target_figure(row: dict, *, className: str = "") -> html.Span:
    """The value a target's verdict is about (at the deadline once assessed, else the latest),
    tagged with its period."""
    return figure(
        row["shown_value"],
        row["unit"],
        row["decimals"],
        indicator=row["indicator"],
        region=row["region_code"],
        period=shown_period(row),
        className=className,
    )


def since_line(row: dict, *, className: str = "small text-muted") -> html.Div | None:
    """After the deadline, what followed as context: 此后：2026年10月末为 96.9% (the figure
    tagged with its period)."""
    if not row.get("since_text"):
        return None
    return html.Div(
        [
            f"此后：{value_time_label(row['current_year'], row.get('compute_type'))}为 ",
            figure(
                row["current_value"],
                row["unit"],
                row["decimals"],
                indicator=row["indicator"],
                region=row["region_code"],
                period=year_period(row["current_year"]),
            ),
        ],
        className=f"{className} since-line".strip(),
    )


def verdict_legend(verdicts=None, *, className: str = "") -> html.Div:
    """The verdict colours, symbols and meanings (only those in ``verdicts`` when given)."""
    shown = [v for v in VERDICT_ORDER if verdicts is None or v in set(verdicts)]
    return html.Div(
        [html.Span("图例：", className="small text-muted me-1")]
        + [
            html.Span(
                [status_badge(v), html.Span(VERDICT_MEANING[v], className="small text-muted")],
                className="me-2 text-nowrap d-inline-flex align-items-center gap-1",
            )
            for v in shown
        ],
        className=f"verdict-legend d-flex flex-wrap align-items-center gap-1 {className}".strip(),
    )


def verdict_summary(
    rows: list[dict],
    *,
    final: bool,
    target_year: int,
    id: str,
    head_class: str,
    legend: bool = True,
):
    """A page's verdict summary: after the deadline how many quantified targets were met at it,
    then the counts of every verdict by group, and (``legend``) the legend of the verdicts
    shown."""
    head = None
    if final:
        quantified = [r for r in rows if r["verdict"] in FINAL_VERDICTS]
        done = sum(r["verdict"] == "final_achieved" for r in quantified)
        head = html.Span(
            f"总结评估（{target_year} 年末）：{done} / {len(quantified)} 项量化目标到期达成",
            className=f"fw-bold me-3 {head_class}",
        )
    return html.Div(
        [
            head,
            verdict_count_line(rows),
            verdict_legend({r["verdict"] for r in rows}) if legend else None,
        ],
        className="mb-2",
        id=id,
    )


def reading_dropdown(id: str, value: str, **style) -> dcc.Dropdown:
    """The two readings of a replay (按当时已入库数据 / 按现有数据回溯), each with what it means."""
    return dropdown(
        id=id,
        options=[
            {"label": o["label"], "value": o["value"], "title": o["note"]}
            for o in read.reading_options()
        ],
        value=value,
        clearable=False,
        searchable=False,
        style={"minWidth": "10rem", **style},
    )


def verdict_count_line(rows, *, id=None, className: str = "") -> html.Div:
    """Verdict counts that say what they count: 量化目标 N 项：… ｜ 定性目标（按趋势）M 项：…"""
    parts = []
    for label, total, counts in verdict_counts(rows):
        if parts:
            parts.append(html.Span("｜", className="text-muted mx-1"))
        parts.append(html.Span(f"{label} {total} 项：", className="fw-bold verdict-group"))
        for verdict, n in counts:
            parts.append(
                html.Span(
                    [status_badge(verdict), html.Span(f" {n}", className="me-2 fw-bold")],
                    **{"data-count-verdict": verdict, "data-count": str(n), "data-group": label},
                )
            )
    kwargs = {"id": id} if id else {}
    return html.Div(
        parts,
        className=f"d-flex flex-wrap align-items-center gap-1 verdict-counts {className}".strip(),
        **kwargs,
    )


def as_of_key(d) -> str:
    """The URL form of an as-of date: 2023-06 for a month end, the ISO date otherwise."""
    import calendar

    return f"{d:%Y-%m}" if d.day == calendar.monthrange(d.year, d.month)[1] else d.isoformat()


def as_of_options(vintages) -> list[dict]:
    """Dropdown options for the as-of selector, newest first."""
    return [{"label": month_label(v), "value": as_of_key(v)} for v in reversed(vintages)]


def as_of_in_url(as_of: str | None) -> str | None:
    """The ``as_of`` an as-of dropdown puts in the URL: none for the newest vintage. The
    dropdown reports its initial value after rendering; the newest is the default and stays out
    of the URL (no second render, and a link keeps meaning "the latest")."""
    newest = read.vintages(shared_warehouse())[-1]
    return None if as_of == as_of_key(newest) else as_of


def to_search(params: dict) -> str:
    """URL query string from page state, leaving out empty values (lists joined by commas)."""
    from urllib.parse import urlencode

    kept = {}
    for key, value in params.items():
        if value in (None, "", [], ()):
            continue
        kept[key] = ",".join(map(str, value)) if isinstance(value, list | tuple) else value
    return "?" + urlencode(kept, safe=",") if kept else ""


def page_header(title: str, subtitle: str = "", right=None) -> dbc.Row:
    """Page title (h1), a muted subtitle, and controls on the right."""
    return dbc.Row(
        [
            dbc.Col(
                [
                    html.H1(title, className="page-title"),
                    html.P(subtitle, className="text-muted mb-2"),
                ],
                md=True,
            ),
            dbc.Col(right, md="auto", className="d-flex align-items-end gap-2 flex-wrap")
            if right is not None
            else None,
        ],
        className="mb-2 align-items-end",
    )


def not_ready() -> dbc.Alert:
    """Shown when the warehouse has no computed indicators yet."""
    return dbc.Alert(
        "指标尚未计算：请运行 `databrain demo`、`databrain compute`，或在“数据管理”页上传数据。",
        color="info",
    )


# Chinese texts for dcc.Dropdown's built-in labels (search box, select all, …).
DROPDOWN_LABELS = {
    "select_all": "全选",
    "deselect_all": "全不选",
    "selected_count": "已选 {num_selected} 项",
    "search": "搜索",
    "clear_search": "清除搜索",
    "clear_selection": "清除选择",
    "no_options_found": "没有匹配的选项",
}


def dropdown(**kwargs) -> dcc.Dropdown:
    """dcc.Dropdown with Chinese built-in labels (use instead of dcc.Dropdown on every page)."""
    kwargs.setdefault("labels", DROPDOWN_LABELS)
    return dcc.Dropdown(**kwargs)


# --- table exports -------------------------------------------------------------------------------

EXPORT_FORMATS = (
    ("csv", "导出 CSV", "CSV（UTF-8，Excel 可直接打开）"),
    ("xlsx", "导出 Excel", "Excel 工作簿（含说明页）"),
)


def export_query(query: dict | None) -> str:
    """The page state an export button carries: its URL query string, keys sorted, empty values
    left out, lists joined by commas (``as_of=2026-11&domain=%E6%94%BF…``).

    Percent-encoded, so the id is ASCII: Dash's browser and server spell a pattern-matching id
    with Chinese in it differently, and the click would not find its button.
    """
    kept = {}
    for key, value in (query or {}).items():
        if value in (None, "", [], ()):
            continue
        kept[str(key)] = (
            ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        )
    return urlencode(sorted(kept.items()), safe=",")


def export_buttons(table: str, query: dict | None, *, className: str = "", **kwargs) -> html.Div:
    """导出 CSV / 导出 Excel for one table (a key of ``reports.app_tables.BUILDERS``)
    in the state ``query`` (the page's URL query); the clicks go to the shell's one download.
    A role that may not export gets none (the server refuses the callback as well)."""
    if not _auth.current_scope().can("export"):
        return html.Div(className="table-export d-none", **kwargs)
    payload = export_query(query)
    buttons = [
        html.Button(
            label,
            id={"type": _ids.TABLE_EXPORT, "table": table, "fmt": fmt, "query": payload},
            type="button",
            className="btn btn-outline-secondary btn-sm py-0 px-2 text-nowrap",
            title=f"下载本表：{what}",
            style={"fontSize": ".75rem"},
            **{"data-table": table, "data-fmt": fmt},
        )
        for fmt, label, what in EXPORT_FORMATS
    ]
    return html.Div(
        buttons,
        role="group",
        className=f"btn-group btn-group-sm table-export flex-shrink-0 {className}".strip(),
        **{"aria-label": "导出本表", "data-table": table},
        **kwargs,
    )


def export_header(title, table: str, query: dict | None) -> html.Div:
    """A card header: the title on the left, the table's export buttons on the right (they wrap
    under the title on a phone)."""
    return html.Div(
        [html.Span(title, className="me-auto"), export_buttons(table, query)],
        className="d-flex flex-wrap align-items-center justify-content-between gap-1",
    )


# --- early warnings -----------------------------------------------------------------------------

SEVERITY_STYLE = {  # severity rank → (label, colour, symbol); colour-blind safe, with words
    1: ("高", "#882255", "▲▲"),
    2: ("中", "#D55E00", "▲"),
    3: ("低", "#E69F00", "△"),
}


def warning_key(row: dict) -> str:
    """A stable id for a warning in the URL: rule:region:indicator."""
    return f"{row['rule_id']}:{row['region_code']}:{row.get('indicator') or '-'}"


def severity_badge(rank: int | None, label: str | None = None) -> html.Span:
    text, colour, symbol = SEVERITY_STYLE.get(rank or 3, SEVERITY_STYLE[3])
    return html.Span(
        [html.Span(symbol, className="status-symbol"), f"{label or text}风险"],
        className="status-badge",
        style={"backgroundColor": colour},
        **{"data-severity": str(rank)},
    )


def evaluation_label(ts, as_of, how: str = "") -> str:
    """The phase of a plan at an as-of, as the cockpit and the city pages head it: 实施监测,
    中期评估 in the mid-term year, 总结评估 from the deadline on; ``how`` adds the reading."""
    if as_of >= dt.date(ts.target_year, 12, 31):
        return f"总结评估（截至 {ts.target_year} 年末，数据至 {month_label(as_of)}{how}）"
    if ts.midterm_year and as_of.year == ts.midterm_year:
        return f"中期评估（{month_label(as_of)}{how}）"
    return f"实施监测（{month_label(as_of)}{how}）"


def badge(text: str, colour: str = "secondary", className: str = "me-1", **attrs) -> html.Span:
    """A Bootstrap badge that can carry ``data-*`` attributes (``dbc.Badge`` cannot)."""
    return html.Span(text, className=f"badge text-bg-{colour} {className}".strip(), **attrs)


def list_item(children, className: str = "", **attrs) -> html.Li:
    """A list-group item that can carry ``data-*`` attributes (for ``list_group``)."""
    return html.Li(children, className=f"list-group-item {className}".strip(), **attrs)


def list_group(items, *, flush: bool = False, **attrs) -> html.Ul:
    return html.Ul(items, className="list-group" + (" list-group-flush" if flush else ""), **attrs)


def duban_links():
    """A function making the 发起督办 link of a warning or a lagging target for this user: the
    open task's number when one is already raised on it, the link to raise one for a 督办人,
    nothing for anyone else. (Raising is checked again on the server.)"""
    user = _auth.current_account()
    refs = supervision.open_refs()
    may = supervision.can_raise(user)

    def link(
        *,
        warning: str | None = None,
        indicator: str | None = None,
        region: str | None = None,
        target_set: str | None = None,
    ) -> html.Span | None:
        ts = target_set or read.default_target_set()
        ref = warning or f"{ts}:{indicator}:{region}"
        if ref in refs:
            return html.Span(
                dcc.Link(f"督办中 #{refs[ref]}", href=f"/tasks/{refs[ref]}"),
                className="duban-link small ms-1",
                **{"data-duban": ref},
            )
        if not may:
            return None
        query = (
            {"warning": warning}
            if warning
            else {"indicator": indicator, "region": region, "target_set": ts}
        )
        return html.Span(
            dcc.Link("发起督办", href="/tasks/new" + to_search(query)),
            className="duban-link small ms-1",
            **{"data-duban": ref},
        )

    return link


def card_table(header: list[str], rows: list[html.Tr], *, className: str = "", **kwargs):
    """A table that a phone shows as a stack of cards: each row a card, each cell led by its
    column's name (``data-label``, drawn by the stylesheet below 576 px)."""
    for row in rows:
        cells = [c for c in (row.children or []) if isinstance(c, html.Td)]
        for name, cell in zip(header, cells, strict=False):
            setattr(cell, "data-label", name)
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(rows)],
        className=f"card-table {className}".strip(),
        **kwargs,
    )


def method_note(*children, summary: str = "方法说明") -> html.Details:
    """Technical detail for analysts (tables, files, codes, commands), folded away so leader and
    planner pages read in plain Chinese. The plain-language scan skips what is inside."""
    return html.Details(
        [html.Summary(summary, className="small text-muted"), html.Div(list(children))],
        className="method-note small text-muted mt-1",
    )


def scale_note(meaning: str, *, dark: bool = False, colour: str = "#1b2a41") -> dict:
    """A map's colour scale in words, as an annotation in its top-left corner (larger and on a
    dark ground on the big screen)."""
    return {
        "text": meaning,
        "xref": "paper",
        "yref": "paper",
        "x": 0.01,
        "y": 0.99,
        "xanchor": "left",
        "yanchor": "top",
        "showarrow": False,
        "align": "left",
        "font": {"size": 15 if dark else 12, "color": colour},
        "bgcolor": "rgba(11,21,38,0.75)" if dark else "rgba(255,255,255,0.85)",
        "borderpad": 3,
        "name": "scale-words",
    }
