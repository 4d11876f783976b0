"""Plans shipped with the demo: example target sets, clearly labelled 示例草案, that the demo
build places in the warehouse's plan folder so the workbench and the plan switcher have a
running plan to show. They are this system's illustration, not plan text."""

from __future__ import annotations

import shutil
from pathlib import Path

EXAMPLE_PLANS = Path(__file__).with_name("plans")


def install_example_plans(folder: Path) -> list[Path]:
    """Copy each example plan into ``folder`` unless a plan of that name is already there
    (a planner's edits are never overwritten); return the files now in place."""
    folder.mkdir(parents=True, exist_ok=True)
    placed = []
    for source in sorted(EXAMPLE_PLANS.glob("*.yaml")):
        target = folder / source.name
        if not target.exists():
            shutil.copyfile(source, target)
        placed.append(target)
    return placed
