"""A pool task for the orphan test: it records its pid and sleeps."""

from __future__ import annotations

import os
import time
from pathlib import Path


def nap(folder: str) -> int:
    (Path(folder) / f"{os.getpid()}.pid").write_text("")
    time.sleep(120)
    return os.getpid()
