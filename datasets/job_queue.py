"""The job queue of a deployment on several machines: a Redis list, consumed by one writer.

With ``DATABRAIN_JOB_QUEUE=redis://host:6379/1`` set, :func:`datasets.jobs.start` on a web node
writes the job directory on the shared storage as always, then pushes the job here instead of
running it. ``databrain worker`` on the writer takes the jobs off the list
(:func:`datasets.jobs.work_queue`) and runs them. Without the setting nothing here is used.

The keys, all under ``databrain-jobs:`` (apart from the answer cache's ``databrain:`` keys, which
``databrain cache clear`` deletes, so one Redis may hold both):

* ``queue`` — the list of jobs, each a JSON object: kind, key, run, module, warehouse;
* ``worker`` — the live worker's heartbeat (node, pid, jobs running), which expires
  :data:`WORKER_TTL_SECONDS` after its last beat;
* ``worker-seen`` — when a worker last beat, kept, so a message can say how long it has been;
* ``claim:<kind>:<key>:<run>`` — who took one run of a job: the worker that starts it, or
  :data:`ABANDONED` when a reader found no worker and reported the job failed. Whoever sets it
  first decides, so a job pushed twice runs once, and a job reported failed never runs late.

This module speaks to Redis only; what the jobs are is :mod:`datasets.jobs`' business.
"""

from __future__ import annotations

import functools
import json
import os
import time

PREFIX = "databrain-jobs:"
QUEUE = PREFIX + "queue"
WORKER = PREFIX + "worker"
SEEN = PREFIX + "worker-seen"
WORKER_BEAT_SECONDS = 5  # a worker says it is alive this often
WORKER_TTL_SECONDS = 60  # and is taken for gone this long after its last word
CLAIM_SECONDS = 7 * 86400  # a claim outlives any copy of its message still in the list
ABANDONED = "-"  # the claim of a job reported failed because no worker took it


class QueueUnavailable(Exception):
    """Redis cannot be reached (or the setting is missing)."""


def url() -> str | None:
    """``DATABRAIN_JOB_QUEUE`` when it names a Redis server, else None."""
    value = os.environ.get("DATABRAIN_JOB_QUEUE", "").strip()
    return value if value.startswith(("redis://", "rediss://", "unix://")) else None


def enabled() -> bool:
    return url() is not None


@functools.cache
def _client(address: str):
    import redis

    # short timeouts: a page's poll waits on this, and a worker's wait (BLPOP) is shorter still
    return redis.Redis.from_url(
        address, socket_connect_timeout=3, socket_timeout=10, health_check_interval=30
    )


def _call(method: str, *args, **kwargs):
    import redis

    address = url()
    if address is None:
        raise QueueUnavailable("未设置 DATABRAIN_JOB_QUEUE")
    try:
        return getattr(_client(address), method)(*args, **kwargs)
    except redis.RedisError as err:
        raise QueueUnavailable(str(err)) from err


def push(message: dict) -> None:
    """Append a job to the end of the queue."""
    _call("rpush", QUEUE, json.dumps(message, ensure_ascii=False))


def pop(timeout: int = 1) -> dict | None:
    """The job at the head of the queue, waiting at most ``timeout`` seconds; None if there is
    none (or the entry is not a job)."""
    item = _call("blpop", [QUEUE], timeout=timeout)
    if item is None:
        return None
    try:
        message = json.loads(item[1])
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def waiting() -> list[dict]:
    """The jobs in the queue now, head first."""
    out = []
    for item in _call("lrange", QUEUE, 0, -1):
        try:
            message = json.loads(item)
        except ValueError:
            continue
        if isinstance(message, dict):
            out.append(message)
    return out


def _claim_key(kind: str, key: str, run: str) -> str:
    return f"{PREFIX}claim:{kind}:{key}:{run}"


def claim(kind: str, key: str, run: str, by: str) -> bool:
    """Take one run of a job for ``by``: True for the first taker only."""
    return bool(_call("set", _claim_key(kind, key, run), by, nx=True, ex=CLAIM_SECONDS))


def claimant(kind: str, key: str, run: str) -> str | None:
    """Who took this run of the job, if anyone."""
    value = _call("get", _claim_key(kind, key, run))
    return value.decode() if value is not None else None


def beat(node: str, **info) -> None:
    """The worker's heartbeat: alive for the next :data:`WORKER_TTL_SECONDS`."""
    now = time.time()
    record = json.dumps({"node": node, "pid": os.getpid(), "time": now, **info})
    _call("set", WORKER, record, ex=WORKER_TTL_SECONDS)
    _call("set", SEEN, str(now))


def worker() -> dict | None:
    """The live worker's last heartbeat, or None when no worker has beaten for a while."""
    value = _call("get", WORKER)
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return {}


def last_seen() -> float | None:
    """When any worker last beat (a Unix time), or None if none ever has."""
    value = _call("get", SEEN)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _cancel_key(kind: str, key: str, run: str) -> str:
    return f"{PREFIX}cancel:{kind}:{key}:{run}"


def request_cancel(kind: str, key: str, run: str) -> None:
    """Ask the job's process, on whichever machine, to end."""
    _call("set", _cancel_key(kind, key, run), "1", ex=CLAIM_SECONDS)


def cancel_requested(kind: str, key: str, run: str) -> bool:
    return bool(_call("exists", _cancel_key(kind, key, run)))
