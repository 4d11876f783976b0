"""A job whose module is heavy to import (polars and DuckDB), for the test that a job waiting
for a CPU slot has not imported its module yet."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import polars as pl

from datasets import jobs


def work(params: dict, progress, job: Path) -> dict:
    rows = duckdb.sql("SELECT 42 AS n").pl()
    return {"file": "", "steps": int(pl.DataFrame(rows)["n"][0])}


if __name__ == "__main__":
    sys.exit(jobs.run(Path(sys.argv[1]), work))
