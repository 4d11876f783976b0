"""How a 督办事项's state and 成效评估 look, wherever a task is shown."""

from __future__ import annotations

from dash import html

from pages._components import badge

STATE_COLOUR = {
    "pending": "secondary",
    "in_progress": "primary",
    "answered": "info",
    "returned": "warning",
    "closed": "success",
}
EFFECT_COLOUR = {"effective": "success", "not_effective": "danger", "watching": "secondary"}


def state_badge(row: dict) -> html.Span:
    badges = [
        badge(
            row["state_zh"],
            STATE_COLOUR.get(row["state"], "secondary"),
            **{"data-state": row["state"]},
        )
    ]
    if row["escalated"]:
        badges.append(badge("已升级", "danger"))
    elif row["overdue"]:
        badges.append(badge("逾期", "danger"))
    return html.Span(badges)


def effect_badge(row: dict) -> html.Span:
    return badge(
        row["effect_zh"],
        EFFECT_COLOUR.get(row["effect"], "light"),
        **{"data-effect": row["effect"] or ""},
    )
