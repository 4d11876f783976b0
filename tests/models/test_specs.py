"""The JSON Schema files are generated from the spec models, are current, and agree with them:
every bundled spec file passes both, and a misspelt key fails both."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from pydantic import ValidationError

from cli import main
from models.specs import SPEC_KINDS, write_schemas

ROOT = Path(__file__).resolve().parents[2]


def _first_entry(doc):
    """The first entry of ``doc`` two levels down, breadth first: an indicator, a target, a
    rule, a dataset, a role, a state."""
    queue = [(doc, 0)]
    while queue:
        node, depth = queue.pop(0)
        if isinstance(node, dict) and depth >= 2:
            return node
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
        )
        queue.extend((child, depth + 1) for child in children)
    raise AssertionError("no entry two levels down")


def _kinds(errors) -> set[str]:
    """Every JSON Schema keyword that failed, inside ``oneOf`` branches too."""
    found = set()
    for err in errors:
        found.add(err.validator)
        found |= _kinds(err.context or [])
    return found


def test_specs001_committed_json_schemas_are_what_the_models_generate():
    stale = [k.path for k in SPEC_KINDS if not k.is_current()]
    assert not stale, f"run `databrain specs --write`: {stale}"
    result = CliRunner().invoke(main, ["specs"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("kind", SPEC_KINDS, ids=[k.path for k in SPEC_KINDS])
def test_specs002_bundled_files_pass_and_a_misspelt_key_fails_both(kind):
    validator = jsonschema.Draft202012Validator(
        json.loads((ROOT / kind.path).read_text(encoding="utf-8"))
    )
    files = sorted(ROOT.glob(kind.files))
    assert files, kind.files
    for path in files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert not list(validator.iter_errors(doc)), path
        kind.model.model_validate(doc)
        bad = copy.deepcopy(doc)
        _first_entry(bad)["colour"] = "red"
        assert "additionalProperties" in _kinds(validator.iter_errors(bad)), path
        with pytest.raises(ValidationError, match="colour"):
            kind.model.model_validate(bad)


def test_specs003_write_regenerates_only_what_is_stale(tmp_path):
    for kind in SPEC_KINDS:
        (tmp_path / kind.path).parent.mkdir(parents=True, exist_ok=True)
    first = write_schemas(tmp_path)
    assert sorted(first) == sorted(k.path for k in SPEC_KINDS)
    assert all(k.is_current(tmp_path) for k in SPEC_KINDS)
    stale = tmp_path / SPEC_KINDS[0].path
    stale.write_text("{}", encoding="utf-8")
    assert write_schemas(tmp_path) == [SPEC_KINDS[0].path]
    assert stale.read_text(encoding="utf-8") == (ROOT / SPEC_KINDS[0].path).read_text(
        encoding="utf-8"
    )
