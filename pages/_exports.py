"""Table exports: every page's 导出 CSV / 导出 Excel buttons answered by one callback.

The buttons (``pages._components.export_buttons``) carry the table's key, the format and the
page's URL query in their pattern-matching ids; the file goes to the shell's one
``dcc.Download`` (``app.py``). The table itself is built by ``reports.app_tables``.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import dash
from dash import ALL, Input, Output, callback, ctx, dcc

from datasets.warehouse import shared_warehouse
from pages import _auth, _ids
from reports import app_tables

log = logging.getLogger(__name__)
_auth.require_for_output(_ids.EXPORT_DOWNLOAD, "export")


@callback(
    Output(_ids.EXPORT_DOWNLOAD, "data"),
    Input({"type": _ids.TABLE_EXPORT, "table": ALL, "fmt": ALL, "query": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def export_table(_clicks):
    """Send the clicked table as CSV or Excel, built for the state its button carries."""
    trigger = ctx.triggered_id
    clicked = ctx.triggered[0]["value"] if ctx.triggered else None
    if not isinstance(trigger, dict) or not clicked:
        raise dash.exceptions.PreventUpdate  # a page rendered its buttons: nobody clicked
    if trigger["table"] not in app_tables.BUILDERS or trigger["fmt"] not in app_tables.FORMATS:
        raise dash.exceptions.PreventUpdate
    try:
        query = {k: v[-1] for k, v in parse_qs(trigger["query"] or "").items()}
        data, name = app_tables.export(shared_warehouse(), trigger["table"], query, trigger["fmt"])
    except ValueError as err:  # a stale or hand-edited query: nothing to send
        log.warning("export %s failed: %s", trigger, err)
        raise dash.exceptions.PreventUpdate from err
    _auth.audit(
        "export",
        target=name,
        region=query.get("city") or query.get("region"),
        detail={"table": trigger["table"], "format": trigger["fmt"], "query": query},
    )
    return dcc.send_bytes(data, name)
