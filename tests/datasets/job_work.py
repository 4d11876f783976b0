"""Work for the job-runner tests, run as ``python -m tests.datasets.job_work <job dir>``:
``params["mode"]`` is ``quick`` (report progress, return a result), ``slow`` (sleep in small
steps, reporting progress, so a test can watch, kill or cancel it), ``fail``, or ``busy``: it
cannot run until its ``params["busy"]`` count of attempts is used up (each attempt is counted in
``attempts.txt``; a :class:`~datasets.jobs.Retry` hands the next attempt its number)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from datasets import jobs


def work(params: dict, progress, job: Path) -> dict:
    mode = params["mode"]
    if mode == "fail":
        raise jobs.JobFailed("文件「x.csv」未通过校验", issues=["第 2 行：不对"], total=1)
    if mode == "busy":
        attempts = job / "attempts.txt"
        tried = len(attempts.read_text().split()) if attempts.exists() else 0
        with attempts.open("a") as f:
            f.write(f"{params.get('handed', 0)}\n")
        if tried < params["busy"]:
            raise jobs.Retry("数据仓库正在更新", params={"handed": tried + 1})
        return {"file": "attempts.txt", "steps": tried + 1}
    steps = params.get("steps") or (3 if mode == "quick" else 600)
    for i in range(steps):
        progress(i, steps, f"第 {i + 1} 步")
        if mode == "slow":
            time.sleep(0.1)
    (job / "out.txt").write_text("ok", encoding="utf-8")
    return {"file": "out.txt", "steps": steps}


if __name__ == "__main__":
    sys.exit(jobs.run(Path(sys.argv[1]), work))
