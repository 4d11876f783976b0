"""The vendored plotly.js bundle (assets/vendor/plotly, built by scripts/plotly-bundle) draws
every trace type the pages make: a trace of a type it lacks would silently not be drawn.

The bundle's first line names the trace types it registers (the build writes it from
entry.js); the pages' trace types are read from their source: ``go.<Trace>(…)``,
``fig.add_<trace>(…)`` and figure dicts with ``"type": "<trace>"``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import plotly.graph_objects as go
from plotly.basedatatypes import BaseTraceType

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "assets" / "vendor" / "plotly" / "plotly-databrain.min.js"
RECIPE = ROOT / "scripts" / "plotly-bundle"
# where dcc.Graph figures are made
SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]

TRACE_CLASSES = {  # Bar: bar, … (plotly.graph_objects imports its classes lazily)
    name: cls().type
    for name, cls in ((name, getattr(go, name)) for name in dir(go))
    if isinstance(cls, type) and issubclass(cls, BaseTraceType)
}
TRACE_TYPES = set(TRACE_CLASSES.values())


def bundled() -> tuple[str, set[str]]:
    """(plotly.js version, trace types) from the bundle's first line."""
    with BUNDLE.open(encoding="utf-8") as f:
        head = f.readline()
    found = re.search(r"plotly\.js v([\d.]+) partial bundle; traces: ([a-z0-9 ]+);", head)
    assert found, f"{BUNDLE} does not start with the build's banner: {head[:200]!r}"
    return found[1], set(found[2].split())


def _is_component_id(node: ast.Dict, parents: dict) -> bool:
    """A pattern-matching id (``id={"type": …}``, ``Input({"type": …}, …)``), not a figure."""
    parent = parents.get(node)
    if isinstance(parent, ast.keyword) and parent.arg == "id":
        return True
    return (
        isinstance(parent, ast.Call)
        and isinstance(parent.func, ast.Name)
        and parent.func.id in ("Input", "Output", "State")
    )


GRAPH_OBJECTS = ("plotly.graph_objects", "plotly.graph_objs")


def _graph_objects_names(tree: ast.Module) -> tuple[set[str], dict[str, str]]:
    """The names a module gives plotly.graph_objects (``go``), and the trace classes it imports
    from there by name (``Bar`` → bar)."""
    modules, classes = set(), {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name in GRAPH_OBJECTS}
        elif isinstance(node, ast.ImportFrom) and node.module == "plotly":
            modules |= {
                a.asname or a.name for a in node.names if f"plotly.{a.name}" in GRAPH_OBJECTS
            }
        elif isinstance(node, ast.ImportFrom) and node.module in GRAPH_OBJECTS:
            classes |= {
                a.asname or a.name: TRACE_CLASSES[a.name]
                for a in node.names
                if a.name in TRACE_CLASSES
            }
    return modules, classes


def used_trace_types(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules, classes = _graph_objects_names(tree)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in modules
                and func.attr in TRACE_CLASSES
            ):
                used.add(TRACE_CLASSES[func.attr])  # go.Bar(…)
            elif isinstance(func, ast.Name) and func.id in classes:
                used.add(classes[func.id])  # Bar(…)
            elif (
                isinstance(func, ast.Attribute)
                and func.attr.startswith("add_")
                and func.attr[4:] in TRACE_TYPES
            ):
                used.add(func.attr[4:])  # fig.add_bar(…)
        elif isinstance(node, ast.Dict) and not _is_component_id(node, parents):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "type"
                    and isinstance(value, ast.Constant)
                    and value.value in TRACE_TYPES
                ):
                    used.add(value.value)  # {"type": "choroplethmap", …}
    return used


def test_plotly_bundle001_draws_every_trace_type_the_pages_use():
    _version, types = bundled()
    used = {t: path.name for path in SOURCES for t in used_trace_types(path)}
    assert {"scatter", "bar", "heatmap", "choroplethmap"} <= set(used), used  # the scan works
    missing = {t: where for t, where in used.items() if t not in types}
    assert not missing, (
        f"trace types the plotly bundle lacks: {missing}; register them in "
        f"{RECIPE / 'entry.js'} and rebuild ({RECIPE / 'README.md'})"
    )


def test_plotly_bundle002_same_plotly_version_as_dash_would_load():
    from plotly.offline import get_plotlyjs_version

    version, _types = bundled()
    assert version == get_plotlyjs_version(), (
        f"the bundle is plotly.js {version}, the installed plotly package ships "
        f"{get_plotlyjs_version()}: rebuild with that version ({RECIPE / 'README.md'})"
    )
