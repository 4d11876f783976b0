"""Every kind of spec file, its pydantic model and the JSON Schema generated from it.

The models are the source of truth; the JSON Schema files are generated for editors (a YAML
language server completes and checks keys as they are typed) and for tools outside Python.
``databrain specs`` reports stale files and ``databrain specs --write`` regenerates them; a test
fails while any committed file differs from what its model generates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from datasets.access import RolesFile
from datasets.schema import SchemasFile
from datasets.specs import json_schema_text
from datasets.supervision import Lifecycle
from indicators.catalog import CatalogFile, TargetSet
from models.rules import RulesFile

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class SpecKind:
    path: str  # the JSON Schema file, relative to the project root
    model: type[BaseModel]
    title: str
    files: str  # the YAML files it describes (a glob relative to the project root)

    def text(self) -> str:
        """The JSON Schema as it should be committed."""
        return json_schema_text(self.model, self.path, title=self.title)

    def is_current(self, root: Path = ROOT) -> bool:
        target = root / self.path
        return target.exists() and target.read_text(encoding="utf-8") == self.text()


SPEC_KINDS = (
    SpecKind(
        "datasets/roles.schema.json",
        RolesFile,
        "角色（datasets/roles.yaml）/ Roles",
        "datasets/roles.yaml",
    ),
    SpecKind(
        "datasets/lifecycle.schema.json",
        Lifecycle,
        "督办流程（datasets/lifecycle.yaml）/ Supervision lifecycle",
        "datasets/lifecycle.yaml",
    ),
    SpecKind(
        "datasets/schemas.schema.json",
        SchemasFile,
        "数据集模式（datasets/schemas.yaml）/ Dataset schemas",
        "datasets/schemas.yaml",
    ),
    SpecKind(
        "indicators/schema/catalog.schema.json",
        CatalogFile,
        "数据大脑指标目录（一个领域一个文件）/ Indicator catalog, one file per domain",
        "indicators/catalog/*.yaml",
    ),
    SpecKind(
        "indicators/schema/target_set.schema.json",
        TargetSet,
        "目标集（一个规划一个文件）/ Target set, one plan per file",
        "indicators/targets/*.yaml",
    ),
    SpecKind(
        "models/schema/rules.schema.json",
        RulesFile,
        "数据大脑预警规则 / Early-warning rules",
        "models/rules/*.yaml",
    ),
)


def write_schemas(root: Path = ROOT) -> list[str]:
    """Regenerate every JSON Schema file that differs from its model; returns their paths."""
    written = []
    for kind in SPEC_KINDS:
        if not kind.is_current(root):
            (root / kind.path).write_text(kind.text(), encoding="utf-8")
            written.append(kind.path)
    return written
