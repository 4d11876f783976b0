"""README documents every command, page, dataset and setting; CI runs README's test command."""

from __future__ import annotations

import re
from pathlib import Path

import dash
import pytest
from click.testing import CliRunner

from cli import main
from datasets.schema import load_schemas

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_docs001_every_cli_command_documented_with_bilingual_help():
    runner = CliRunner()
    for name in main.commands:
        assert f"databrain {name}" in README, name
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0
        assert re.search(r"[\u4e00-\u9fff]", result.output), f"{name} --help has no Chinese"
        assert re.search(r"\b(the|and|or)\b", result.output, re.I), f"{name} --help has no English"


def test_docs002_every_dataset_and_setting_documented():
    for name in load_schemas():
        assert f"`{name}`" in README, name
    assert "DATABRAIN_DB" in README


@pytest.fixture(scope="module")
def page_paths():
    import app  # noqa: F401 — registers the pages

    return [p.get("path_template") or p["path"] for p in dash.page_registry.values()]


def test_docs003_every_page_documented(page_paths):
    for path in page_paths:
        assert f"`{path}`" in README, path


def test_docs004_ci_runs_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [
        line.strip()
        for line in ci.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "set ", "cd "))
    ]
    assert commands == ["make test"]
    blocks = re.findall(r"```bash\n(.+?)\n```", README)
    assert blocks[:2] == ["make run", "make test"]
