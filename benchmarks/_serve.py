"""What the web benchmarks share: a warehouse (given, or the demo built once), accounts of one
role, and ``databrain serve`` on a free port, stopped when done."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABRAIN = str(Path(sys.executable).with_name("databrain"))
PASSWORD = "benchmark password 2026"

_BUILD = """
import pipeline
from datasets.warehouse import Warehouse
wh = Warehouse()
pipeline.build_demo(warehouse=wh, forecast_after=False)
from models.batch import forecast_all
with wh.writer() as staging:
    forecast_all(staging.con, indicators=["system_cloud_rate"], regions=["320000", "320700"],
                 workers=1, track_record=False)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(
    db: str | None, users: list[str], role: str, *, workers: int, extra_env: dict | None = None
) -> Iterator[str]:
    """A signed-up server: ``db`` (else the demo, built into a temporary folder, not timed),
    ``users`` with ``role`` and :data:`PASSWORD` in a store of its own; yields its URL."""
    with tempfile.TemporaryDirectory(prefix="databrain-bench-") as tmp:
        env = {
            **os.environ,
            "DATABRAIN_BACKGROUND_FORECAST": "0",
            "DATABRAIN_NOTIFY_MINUTES": "0",
            "DATABRAIN_STATE_URL": f"sqlite:///{Path(tmp) / 'state.sqlite'}",
            **(extra_env or {}),
        }
        if db:
            env["DATABRAIN_DB"] = str(Path(db).resolve())
        else:
            env["DATABRAIN_DB"] = str(Path(tmp) / "wh" / "demo.duckdb")
            env.setdefault("DATABRAIN_TODAY", "2026-11-22")
            print("building the demo warehouse (not timed) …", flush=True)
            subprocess.run(
                [sys.executable, "-c", _BUILD], env=env, check=True, cwd=ROOT, timeout=3600
            )
        for user in users:
            subprocess.run(
                [DATABRAIN, "user", "add", user, "--role", role, "--password-stdin"],
                env=env,
                input=PASSWORD + "\n",
                text=True,
                check=True,
                capture_output=True,
            )
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(Path(tmp) / "server.log", "w")  # noqa: SIM115
        server = subprocess.Popen(
            [DATABRAIN, "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.time() + 120
            while True:
                try:
                    urllib.request.urlopen(base + "/login", timeout=2).read()
                    break
                except OSError:
                    if server.poll() is not None or time.time() > deadline:
                        raise SystemExit(f"server did not start; see {log.name}") from None
                    time.sleep(0.3)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
