"""Work for the job-runner tests, run as ``python -m tests.datasets.job_work <job dir>``:
``params["mode"]`` is ``quick`` (report progress, return a result), ``slow`` (sleep in small
steps, reporting progress, so a test can watch, kill or cancel it) or ``fail``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from datasets import jobs


def work(params: dict, progress, job: Path) -> dict:
    mode = params["mode"]
    if mode == "fail":
        raise jobs.JobFailed("文件「x.csv」未通过校验", issues=["第 2 行：不对"], total=1)
    steps = 3 if mode == "quick" else 600
    for i in range(steps):
        progress(i, steps, f"第 {i + 1} 步")
        if mode == "slow":
            time.sleep(0.1)
    (job / "out.txt").write_text("ok", encoding="utf-8")
    return {"file": "out.txt", "steps": steps}


if __name__ == "__main__":
    sys.exit(jobs.run(Path(sys.argv[1]), work))
