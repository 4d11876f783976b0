"""The multi-node topology of docs/deployment.md, started on this machine by the test itself.

The topology:
- nginx in front of two stateless app instances (``databrain serve`` on two ports);
- Redis for the shared answer cache and the job queue;
- the operational store on PostgreSQL;
- the warehouse versions in one shared folder, written by one writer: ``databrain worker``,
  named ``writer``, runs the jobs the instances queue.

What the test does and checks:
- Signed-in users work through the proxy.
- One instance is killed with SIGKILL mid-run. Only the requests it had in flight may fail; the
  proxy routes the rest to the other instance.
- The killed instance comes back. A file uploaded through the proxy is queued by the instance
  that took it and loaded by the writer, while the page's polls, answered by either instance,
  follow its progress; the load makes a new version, and every instance serves it.
- An answer one instance computed is served by the other from Redis.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import polars as pl
import pytest

DATABRAIN = str(Path(sys.executable).with_name("databrain"))
ROUTER = {
    "output": ".._pages_content.children..._pages_store.data..",
    "outputs": [
        {"id": "_pages_content", "property": "children"},
        {"id": "_pages_store", "property": "data"},
    ],
    "inputs": [
        {"id": "_pages_location", "property": "pathname", "value": "/"},
        {"id": "_pages_location", "property": "search", "value": ""},
    ],
    "changedPropIds": ["_pages_location.pathname"],
    "state": [],
}
PASSWORD = "multinode password 2026"
UPLOADER = "loader1"

pytestmark = pytest.mark.skipif(
    not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists())
    or not shutil.which("redis-server"),
    reason="nginx 与 redis-server 未安装：以 root 运行 make test 会安装 nginx-light 与 redis-server",
)


class Person:
    """Someone signed in through the form, with cookies of their own."""

    def __init__(self, base: str, user: str):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.open(base + "/login", timeout=60).read()
        form = {"username": user, "password": PASSWORD, "csrf_token": self._cookie("_csrf_token")}
        self.opener.open(base + "/login", urllib.parse.urlencode(form).encode(), timeout=60)
        self.token = self._cookie("_csrf_token")

    def _cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)

    def get(self, path: str):
        with self.opener.open(self.base + path, timeout=60) as r:
            return json.loads(r.read())

    def ask(self, body: bytes) -> tuple[int, bytes, str]:
        """(status, body, X-Databrain-Cache) of a callback request; status 0 if no answer."""
        request = urllib.request.Request(
            self.base + "/_dash-update-component",
            data=body,
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token},
        )
        try:
            with self.opener.open(request, timeout=120) as r:
                return r.status, r.read(), r.headers.get("X-Databrain-Cache", "")
        except urllib.error.HTTPError as err:
            return err.code, b"", ""
        except OSError:
            return 0, b"", ""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen | None = None, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if (proc is not None and proc.poll() is not None) or time.time() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.3)


def _health(base: str) -> dict:
    with urllib.request.urlopen(base + "/healthz", timeout=30) as r:
        return json.loads(r.read())


NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
{user}
events {{ worker_connections 512; }}
http {{
    log_format upstream '$request_uri $status $upstream_addr';
    access_log {tmp}/nginx-access.log upstream;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream databrain {{
        server 127.0.0.1:{a} max_fails=1 fail_timeout=10s;
        server 127.0.0.1:{b} max_fails=1 fail_timeout=10s;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://databrain;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_next_upstream error timeout http_502;
            proxy_connect_timeout 2s;
            proxy_read_timeout 120s;
            client_max_body_size 300m;
        }}
    }}
}}
"""


@pytest.fixture
def topology(postgres_server, demo_computed, tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    shared = tmp_path / "shared"
    shutil.copytree(demo_computed.path.parent, shared / "warehouse")
    env = {
        **os.environ,
        "DATABRAIN_DB": str(shared / "warehouse" / demo_computed.path.name),
        "DATABRAIN_STATE_URL": postgres_server.create_database("multinode"),
        "DATABRAIN_SECRET_KEY": "one key for every instance of this deployment",
        "DATABRAIN_ATTACHMENTS": str(shared / "attachments"),
        "DATABRAIN_TODAY": "2026-11-22",
        "DATABRAIN_BACKGROUND_FORECAST": "0",
        "DATABRAIN_NOTIFY_MINUTES": "0",
    }
    redis_port = _port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env["DATABRAIN_CACHE_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    env["DATABRAIN_JOB_QUEUE"] = f"redis://127.0.0.1:{redis_port}/1"
    users = [(f"analyst{i}", "province_analyst") for i in range(1, 5)] + [(UPLOADER, "data_admin")]
    for user, role in users:
        subprocess.run(
            [DATABRAIN, "user", "add", user, "--role", role, "--password-stdin"],
            env=env,
            input=PASSWORD + "\n",
            text=True,
            check=True,
            capture_output=True,
            timeout=300,
        )
    ports = {"a": _port(), "b": _port()}
    apps: dict[str, subprocess.Popen] = {}

    def start(node: str) -> None:
        log = open(tmp_path / f"app-{node}.log", "a")  # noqa: SIM115
        apps[node] = subprocess.Popen(
            [DATABRAIN, "serve", "--port", str(ports[node]), "--workers", "1"],
            env={**env, "DATABRAIN_NODE": node},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: a kill takes gunicorn and its worker
        )
        _wait(f"http://127.0.0.1:{ports[node]}/healthz", apps[node])

    for node in ports:
        start(node)
    # the writer: the only process that runs jobs, on the warehouse all instances read
    worker = subprocess.Popen(
        [DATABRAIN, "worker"],
        env={**env, "DATABRAIN_NODE": "writer"},
        stdout=open(tmp_path / "worker.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 120
    while "已启动" not in (tmp_path / "worker.log").read_text(encoding="utf-8"):
        assert worker.poll() is None and time.time() < deadline, "databrain worker did not start"
        time.sleep(0.3)
    proxy_port = _port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            tmp=tmp_path,
            a=ports["a"],
            b=ports["b"],
            port=proxy_port,
            user="user root;" if os.geteuid() == 0 else "",
        )
    )
    proxy = subprocess.Popen(
        [nginx, "-c", str(conf), "-p", str(tmp_path), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "nginx-stderr.log", "w"),  # noqa: SIM115
    )
    base = f"http://127.0.0.1:{proxy_port}"
    _wait(base + "/healthz", proxy)
    try:
        yield {
            "base": base,
            "ports": ports,
            "apps": apps,
            "start": start,
            "env": env,
            "tmp": tmp_path,
            "redis_port": redis_port,
            "worker": worker,
            "jobs": shared / "warehouse" / "jobs",
        }
    finally:
        proxy.terminate()
        worker.terminate()
        worker.wait(timeout=30)
        for proc in apps.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
        redis.terminate()
        redis.wait(timeout=30)


def test_multinode001_proxy_two_instances_redis_postgres_a_kill_and_an_ingest(topology):
    base, ports = topology["base"], topology["ports"]

    # an answer computed by one instance is served by the other from Redis
    direct_a = Person(f"http://127.0.0.1:{ports['a']}", "analyst1")
    body = _router(direct_a)
    first = direct_a.ask(body)
    assert first[0] == 200 and first[2] == "miss"
    direct_b = Person(f"http://127.0.0.1:{ports['b']}", "analyst2")
    shared = direct_b.ask(body)
    assert shared[0] == 200 and shared[2] == "hit" and shared[1] == first[1]

    # people working through the proxy while instance a is killed
    people = [Person(base, f"analyst{i}") for i in range(1, 5)]
    outcomes: list[tuple[float, int]] = []
    lock = threading.Lock()
    stop = time.time() + 12
    killed_at: list[float] = []

    def work(person: Person) -> None:
        while time.time() < stop:
            started = time.time()
            status = person.ask(body)[0]
            with lock:
                outcomes.append((started, status))

    threads = [threading.Thread(target=work, args=(p,)) for p in people]
    for t in threads:
        t.start()
    time.sleep(4)
    killed_at.append(time.time())
    os.killpg(topology["apps"]["a"].pid, signal.SIGKILL)
    for t in threads:
        t.join()
    failed = [o for o in outcomes if o[1] != 200]
    after = [o for o in outcomes if o[0] > killed_at[0] + 1]
    # only requests in flight when a died may fail: at most one per person
    assert len(failed) <= len(people), failed
    assert after and all(o[1] == 200 for o in after)
    log = (topology["tmp"] / "nginx-access.log").read_text()
    assert f"127.0.0.1:{ports['a']}" in log and f"127.0.0.1:{ports['b']}" in log

    # a comes back; the writer loads a file; every instance serves the new version
    topology["start"]("a")
    before = _health(base)["version"]
    assert {_health(f"http://127.0.0.1:{p}")["version"] for p in ports.values()} == {before}
    update = topology["tmp"] / "governance_update.csv"
    pl.DataFrame(
        {
            "region_code": ["320500"],
            "region_name": ["苏州市"],
            "year": [2026],
            "month": [10],
            "indicator": ["grid_events_reported"],
            "value": [12345.0],
            "unit": ["件"],
            "source": ["多节点部署测试"],
        }
    ).write_csv(update)
    access_log = topology["tmp"] / "nginx-access.log"
    seen = len(access_log.read_text().splitlines())
    key = _upload_through_the_proxy(Person(base, UPLOADER), update, "governance_stats")
    # the upload and its polls went to both instances, and neither took the job for dead
    answered = [
        line.split()[-1]
        for line in access_log.read_text().splitlines()[seen:]
        if line.startswith("/_dash-update-component 200")
    ]
    assert {f"127.0.0.1:{p}" for p in ports.values()} <= set(answered), answered
    job = topology["jobs"] / "load" / key
    status = json.loads((job / "status.json").read_text(encoding="utf-8"))
    # the writer ran it, not the instance that took the upload
    assert status["host"] == "writer" and status["worker"] == "writer", status
    assert f"开始 load/{key}" in (topology["tmp"] / "worker.log").read_text(encoding="utf-8")
    assert topology["worker"].poll() is None
    after_version = {_health(f"http://127.0.0.1:{p}")["version"] for p in ports.values()} | {
        _health(base)["version"]
    }
    assert len(after_version) == 1 and after_version != {before}
    # and answers after the load are new answers, not the cached ones
    fresh = direct_b.ask(body)
    assert fresh[0] == 200 and fresh[2] == "miss"


def _router(person: Person) -> bytes:
    """The pages router's request for ``/`` as a browser opening the page sends it: the
    location as inputs, and the app's own routing states, if any, without a value."""
    router = next(
        cb for cb in person.get("/_dash-dependencies") if cb["output"] == ROUTER["output"]
    )
    state = [{"id": s["id"], "property": s["property"]} for s in router.get("state") or []]
    return json.dumps({**ROUTER, "state": state}).encode()


def _callback(person: Person, input_id: str, prop: str) -> dict:
    """The app's callback that ``input_id.prop`` triggers, as the page's renderer learns it."""
    return next(
        cb
        for cb in person.get("/_dash-dependencies")
        if any(i["id"] == input_id and i["property"] == prop for i in cb["inputs"])
    )


def _body(cb: dict, inputs: list, state: list, changed: str) -> bytes:
    outputs = []
    for part in cb["output"].strip(".").split("..."):
        component, prop = part.rsplit(".", 1)
        outputs.append({"id": component, "property": prop.split("@")[0]})
    return json.dumps(
        {
            "output": cb["output"],
            "outputs": outputs,
            "inputs": inputs,
            "state": state,
            "changedPropIds": [changed],
        }
    ).encode()


def _upload_through_the_proxy(person: Person, path: Path, dataset: str) -> str:
    """Upload ``path`` on the 数据管理 page through the proxy and poll it, as the browser does,
    until it is loaded; returns the load job's key."""
    upload = _callback(person, "data-upload", "contents")
    contents = "data:text/csv;base64," + base64.b64encode(path.read_bytes()).decode()
    status, answer, _ = person.ask(
        _body(
            upload,
            [{"id": "data-upload", "property": "contents", "value": contents}],
            [
                {"id": "data-upload", "property": "filename", "value": path.name},
                {"id": "data-upload-dataset", "property": "value", "value": dataset},
            ],
            "data-upload.contents",
        )
    )
    assert status == 200, answer
    job = json.loads(answer)["response"]["data-upload-job"]["data"]
    poll = _callback(person, "data-upload-poll", "n_intervals")
    deadline = time.time() + 600
    for tick in range(1, 100_000):
        status, answer, _ = person.ask(
            _body(
                poll,
                [{"id": "data-upload-poll", "property": "n_intervals", "value": tick}],
                [{"id": "data-upload-job", "property": "data", "value": job}],
                "data-upload-poll.n_intervals",
            )
        )
        assert status == 200, answer
        text = answer.decode()
        # an instance that did not start the job never takes it for dead
        assert "upload-error" not in text and "upload-cancelled" not in text, text
        if "upload-success" in text:
            return job["key"]
        assert time.time() < deadline, text
        time.sleep(0.5)
    raise AssertionError("unreachable")
