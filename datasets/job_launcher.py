"""A job's process, started light: ``python -m datasets.job_launcher MODULE JOB_DIR`` waits for
a CPU slot first and only then imports the job's module and runs it as ``__main__``. A job
waiting its turn thus holds the interpreter and :mod:`datasets.jobs` (about 15 MB), not the
hundreds of megabytes a render or a load imports."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from datasets import jobs


def main() -> None:
    module, job = sys.argv[1], Path(sys.argv[2])
    jobs.hold_slot(job)
    sys.argv = [module, str(job)]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
