"""A real PostgreSQL server for the tests, started and stopped by them.

The server programs come from Debian's ``postgresql`` package (``make test`` installs it when run
as root). As root, the server runs as the ``postgres`` user, as PostgreSQL requires.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PostgresServer:
    bindir: Path
    data: Path
    port: int
    as_user: list[str]

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://databrain@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://databrain@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=databrain dbname=postgres", autocommit=True
        ) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            [
                *self.as_user,
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "fast",
                "stop",
            ],
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(self.data.parent, ignore_errors=True)


def find_bindir() -> Path | None:
    found = shutil.which("initdb") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)), None
    )
    return Path(found).resolve().parent if found else None


def start() -> PostgresServer:
    """Start a throwaway server on a free loopback port; raises RuntimeError with the reason
    when it cannot be had."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError(
            "本机没有 PostgreSQL 服务器程序（initdb）：以 root 运行 make test 会安装 postgresql"
        )
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="databrain-pg-"))
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            raise RuntimeError("以 root 运行需要 runuser 切换到 postgres 用户")
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
    data = root / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    init = subprocess.run(
        [
            *as_user,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "databrain",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if init.returncode != 0:
        raise RuntimeError(f"initdb 失败：{init.stderr.strip()[-500:]}")
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    started = subprocess.run(
        [
            *as_user,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-w",
            "-t",
            "120",
            "-l",
            str(root / "server.log"),
            "start",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if started.returncode != 0:
        log = (
            (root / "server.log").read_text(errors="replace")[-800:]
            if (root / "server.log").exists()
            else ""
        )
        raise RuntimeError(f"PostgreSQL 启动失败：{started.stderr.strip()} {log}")
    return PostgresServer(bindir=bindir, data=data, port=port, as_user=as_user)
