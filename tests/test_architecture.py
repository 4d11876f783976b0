"""The floors of the house: imports run one way, with no circle.

datasets → indicators → models → pipeline → reports → pages → app / cli. A module may import
from its own floor and the floors below it, never above; no set of modules imports itself back
through others; one page does not import another page (shared pieces live in ``pages/_*``).
Every import counts, at module level or inside a function.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOORS = {
    "datasets": 1,
    "indicators": 2,
    "models": 3,
    "pipeline": 4,
    "reports": 5,
    "pages": 6,
    "app": 7,
    "cli": 7,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    out = {}
    for top in FLOORS:
        package = ROOT / top
        if package.is_dir():
            out |= {_module_name(p): p for p in package.rglob("*.py")}
        elif (ROOT / f"{top}.py").is_file():
            out[top] = ROOT / f"{top}.py"
    return out


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """First-party modules ``name`` imports (resolved to the longest known module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" for a in node.names]
        for target in targets:
            parts = target.split(".")
            for k in range(len(parts), 0, -1):
                candidate = ".".join(parts[:k])
                if candidate in known:
                    if candidate != name:
                        found.add(candidate)
                    break
    return found


def _graph() -> dict[str, set[str]]:
    sources = _sources()
    known = set(sources)
    return {name: _imports(path, name, known) for name, path in sources.items()}


def _floor(module: str) -> int:
    return FLOORS[module.split(".")[0]]


def test_architecture001_no_import_runs_up_a_floor():
    upward = sorted(
        f"{a} (floor {_floor(a)}) imports {b} (floor {_floor(b)})"
        for a, targets in _graph().items()
        for b in targets
        if _floor(b) > _floor(a)
    )
    assert upward == []


def test_architecture002_no_circle():
    graph = _graph()
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert circles == []


def test_architecture003_a_page_does_not_import_another_page():
    def is_page(module: str) -> bool:
        return module.startswith("pages.") and not module.split(".")[-1].startswith("_")

    crossing = sorted(
        f"{a} imports {b}"
        for a, targets in _graph().items()
        if is_page(a)
        for b in targets
        if is_page(b)
    )
    assert crossing == []


def test_architecture004_the_check_sees_every_floor_and_both_kinds_of_import(tmp_path):
    """The checker itself: it finds the modules of every floor and counts an import made inside
    a function as well as one at the top."""
    graph = _graph()
    assert {m.split(".")[0] for m in graph} >= {"datasets", "indicators", "models", "pages"}
    source = tmp_path / "x.py"
    source.write_text(
        "import datasets.warehouse\n\ndef f():\n    from models import forecast\n",
        encoding="utf-8",
    )
    seen = _imports(source, "x", {"datasets.warehouse", "models.forecast", "models"})
    assert seen == {"datasets.warehouse", "models.forecast"}


def test_architecture005_the_architecture_document_draws_the_floors_the_test_enforces():
    """docs/architecture.md's picture lists the floors top-down in the order this test checks,
    and names every module of the pipeline floor and every package."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    drawn = {}
    for line in text.splitlines():
        match = re.match(r"^\s*floor\s+(\d+)\s", line)
        if match:
            number = int(match.group(1))
            for name in FLOORS:
                if f" {name}/" in line or f" {name}.py" in line:
                    drawn[name] = number
    assert drawn == FLOORS
    for name in _sources():
        if name.count(".") == 0:
            assert f"`{name}" in text or f"{name}.py" in text or f"{name}/" in text, name
