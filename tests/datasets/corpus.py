"""The check every bad-file corpus makes: refused, with its exact first message and count, and
the warehouse unchanged."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from datasets.ingest import IngestError, ingest
from tests.conftest import snapshot


def refused(
    warehouse, path: Path, dataset: str | None, expected: str, count: int | None, today: dt.date
) -> IngestError:
    """Ingest ``path``; it must be refused with ``expected`` as its first issue (a regex when it
    starts with ^) and ``count`` problems in all (unless None), the warehouse as it was."""
    before = snapshot(warehouse)
    with pytest.raises(IngestError) as caught:
        ingest([path], dataset, warehouse=warehouse, today=today)
    first = str(caught.value.issues[0])
    if expected.startswith("^"):
        assert re.match(expected, first), first
    else:
        assert first == expected
    if count is not None:
        assert caught.value.total == count
    assert "数据仓库未作任何更改" in str(caught.value)
    assert snapshot(warehouse) == before
    return caught.value
