"""``databrain plan add/list`` in real subprocesses on a copy of the demo warehouse: a plan that
fails the catalog's rules is refused and nothing is written; a valid one is placed in the plan
folder and tracked at once (progress, forecasts to its deadline); the list marks the plan pages
show by default."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from datasets.warehouse import Warehouse
from indicators import planning

DATABRAIN = str(Path(sys.executable).with_name("databrain"))
PLAN = "jiangsu-cli-plan"


def _run(args, env):
    return subprocess.run([DATABRAIN, *args], env=env, capture_output=True, text=True, timeout=900)


def _plan(target: float, plan_id: str = PLAN, status: str = "draft") -> str:
    return planning.to_yaml(
        planning.target_set_document(
            planning.PlanMeta(
                id=plan_id,
                name_zh="命令行测试规划",
                status=status,
                base_year=2025,
                target_year=2030,
                basis="测试",
            ),
            [
                planning.ProposedTarget(
                    indicator="mobile_enforcement_coverage",
                    target=target,
                    binding="binding",
                    responsible_units=["省司法厅"],
                    clause="测试",
                )
            ],
        )
    )


def test_cli_plans001_add_refuses_then_tracks(demo_computed, tmp_path):
    folder = tmp_path / "wh"
    shutil.copytree(demo_computed.path.parent, folder)
    db = folder / demo_computed.path.name
    env = {
        **os.environ,
        "DATABRAIN_DB": str(db),
        "DATABRAIN_STATE_URL": f"sqlite:///{tmp_path / 'state.sqlite'}",
        "DATABRAIN_TODAY": "2026-11-22",
    }
    env.pop("DATABRAIN_PLANS", None)
    plans = folder / "plans"

    bad = tmp_path / f"{PLAN}.yaml"
    bad.write_text(_plan(120.0), encoding="utf-8")
    done = _run(["plan", "add", str(bad)], env)
    assert done.returncode != 0
    assert "mobile_enforcement_coverage.target" in done.stderr and "超出指标自然界限" in done.stderr
    assert not plans.exists() or not any(plans.iterdir())

    bundled = tmp_path / "bundled.yaml"
    bundled.write_text(_plan(99.0, plan_id="jiangsu-14fyp-digital-gov"), encoding="utf-8")
    done = _run(["plan", "add", str(bundled)], env)
    assert done.returncode != 0 and "jiangsu-14fyp-digital-gov" in done.stderr

    good = tmp_path / "good.yaml"
    good.write_text(_plan(99.0), encoding="utf-8")
    done = _run(["plan", "add", str(good)], env)
    assert done.returncode == 0, done.stderr
    assert (plans / f"{PLAN}.yaml").read_text(encoding="utf-8") == good.read_text(encoding="utf-8")
    wh = Warehouse(db)
    progress = wh.query(
        "SELECT count(DISTINCT region_code) AS n, min(target_value) AS t FROM target_progress "
        "WHERE target_set = ?",
        [PLAN],
    ).row(0, named=True)
    assert progress == {"n": 14, "t": 99.0}
    ends = wh.query(
        "SELECT max(period) AS p, count(DISTINCT region_code) AS n FROM forecasts "
        "WHERE target_set = ?",
        [PLAN],
    ).row(0, named=True)
    assert ends == {"p": "2030-12", "n": 14}

    listed = _run(["plan", "list"], env).stdout.splitlines()
    mine = next(line for line in listed if PLAN in line)
    assert "草案" in mine and "2026–2030" in mine and not mine.startswith("*")
    # a draft is never the plan pages show by default: the finished adopted one is
    assert any(line.startswith("* jiangsu-14fyp-digital-gov") for line in listed)

    # an adopted plan running today becomes the plan pages show by default
    adopted = tmp_path / "adopted.yaml"
    adopted.write_text(
        _plan(98.0, plan_id="jiangsu-cli-adopted", status="adopted"), encoding="utf-8"
    )
    done = _run(["plan", "add", str(adopted)], env)
    assert done.returncode == 0, done.stderr
    listed = _run(["plan", "list"], env).stdout.splitlines()
    assert [line.split()[1] for line in listed if line.startswith("*")] == ["jiangsu-cli-adopted"]
