"""The two readings of the warehouse's history (docs/replays.md).

``transaction`` — 按当时已入库数据: what the warehouse held at an as-of (rows count from the month
they arrived); the default, and what a 中期评估 replay shows. ``event`` — 按现有数据回溯: the
history as it is known now, late records counted in the month they happened.
"""

from __future__ import annotations

TRANSACTION = "transaction"
EVENT = "event"
READINGS = (TRANSACTION, EVENT)
DEFAULT_READING = TRANSACTION
READING_LABELS = {TRANSACTION: "按当时已入库数据", EVENT: "按现有数据回溯"}
READING_NOTES = {
    TRANSACTION: "只计入当时已进入数据仓库的记录（事后补录的记录从入库之月起计入）",
    EVENT: "用现有全部数据回看当时（含事后补录的记录，按其发生时间计入）",
}
VALUE_TABLES = {TRANSACTION: "indicator_values", EVENT: "indicator_values_event"}


def parse_reading(value: str | None) -> str:
    """A reading from a URL or an argument: ``transaction``/``event`` (or their Chinese
    labels); empty means the default (transaction time). ValueError for anything else."""
    if value in (None, ""):
        return DEFAULT_READING
    if value in READINGS:
        return value
    by_label = {label: key for key, label in READING_LABELS.items()}
    if value in by_label:
        return by_label[value]
    raise ValueError(
        f"未知的数据口径「{value}」：应为 transaction（{READING_LABELS[TRANSACTION]}）"
        f"或 event（{READING_LABELS[EVENT]}）"
    )
