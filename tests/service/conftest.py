"""Real infrastructure for the service tests: redis-server, PostgreSQL, the API, RQ workers.

Everything is private to the test run: redis-server on a free loopback port with its files in a
temporary directory, PostgreSQL in a temporary directory on a Unix socket only (run as
``nobody`` when the tests run as root, since PostgreSQL refuses root), the API in a thread of
the test process on a free loopback port, workers as subprocesses (``python -m
service.commands worker``), exactly as ``docproc up`` starts them. Processes are stopped by
their own pid. Slow jobs are simulated only by fault injection (``TEST_FAULT_*``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
REDIS_BIN = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A private redis-server; ``aof`` decides whether a restart keeps the queue."""

    def __init__(self, workdir: Path, *, aof: bool = True) -> None:
        if REDIS_BIN is None:
            pytest.skip("redis-server absent (paquet Debian redis-server)")
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.aof = aof
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_BIN is not None
        args = [
            REDIS_BIN,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.dir),
            "--save",
            "",
            "--appendonly",
            "yes" if self.aof else "no",
            "--appendfsync",
            "everysec",
            "--maxmemory-policy",
            "noeviction",
            "--daemonize",
            "no",
            "--logfile",
            "redis.log",
        ]
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
                return
            except redis.RedisError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


class PostgresServer:
    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            pytest.skip("PostgreSQL 15 absent (/usr/lib/postgresql/15/bin)")
        self.base = Path(tempfile.mkdtemp(prefix="dpg-", dir="/tmp"))
        self.base.chmod(0o755)
        self.runas: list[str] = []
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root: run it as nobody in a directory it owns.
            if shutil.which("runuser") is None:
                pytest.skip("PostgreSQL ne tourne pas en root et runuser est absent")
            shutil.chown(self.base, user="nobody")
            self.runas = ["runuser", "-u", "nobody", "--"]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        data = self.base / "data"
        subprocess.run(
            [
                *self.runas,
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "docproc",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "-N",
            ],
            check=True,
            capture_output=True,
        )
        log = open(self.base / "postgres.log", "wb")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(
            [
                *self.runas,
                str(PG_BIN / "postgres"),
                "-D",
                str(data),
                "-k",
                str(self.base),
                "-c",
                "listen_addresses=",
                "-c",
                "fsync=off",
            ],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
        import psycopg

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                psycopg.connect(
                    host=str(self.base), user="docproc", dbname="postgres", connect_timeout=1
                ).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start")

    def new_database(self) -> str:
        import psycopg

        name = f"t_{secrets.token_hex(4)}"
        with psycopg.connect(
            host=str(self.base), user="docproc", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql+psycopg://docproc@/{name}?host={self.base}"

    def stop(self) -> None:
        # Signal the postmaster itself (runuser does not forward signals); SIGINT is its
        # fast shutdown.
        pid_file = self.base / "data" / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError):
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGINT)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                os.kill(pid, 0)  # raises once it is gone
                time.sleep(0.05)
        if self.proc is not None:
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


KEYS = {
    "pipe_a": ("pipeline", secrets.token_urlsafe(24)),
    "pipe_b": ("pipeline", secrets.token_urlsafe(24)),
    "agent": ("agent", secrets.token_urlsafe(24)),
    "qa": ("qa", secrets.token_urlsafe(24)),
}

#: Fast timings for tests: a dead worker is noticed within ~1 s.
FAST = {
    "DOCPROC_HEARTBEAT_S": "0.1",
    "DOCPROC_STALE_AFTER_S": "1.0",
    "DOCPROC_RECONCILE_S": "0.2",
    "DOCPROC_REQUEUE_LOST_S": "1.0",
    "DOCPROC_RETRY_BACKOFF_S": "0.2",
}


class Harness:
    """One service instance: settings, the API in a thread, worker subprocesses."""

    def __init__(
        self,
        tmp: Path,
        redis_url: str,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        from service.config import load_settings

        self.tmp = tmp
        self.env = {
            **os.environ,
            **FAST,
            "DOCPROC_DATA_DIR": str(tmp / "data"),
            "REDIS_URL": redis_url,
            "DOCPROC_QUEUE": f"q{secrets.token_hex(4)}",
            "DOCPROC_API_KEYS": ",".join(f"{n}:{r}:{k}" for n, (r, k) in KEYS.items()),
            "DOCPROC_STORAGE_KEY": secrets.token_bytes(32).hex(),
            "DOCPROC_TRUST_TEST_2DDOC": "1",
            "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        if database_url:
            self.env["DATABASE_URL"] = database_url
        else:
            self.env.pop("DATABASE_URL", None)
        self.settings = load_settings(env=self.env)
        self.workers: list[subprocess.Popen[bytes]] = []
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # -- processes -------------------------------------------------------------------------
    def start_api(self) -> None:
        import uvicorn

        from service.app import create_app
        from service.db import Database, migrate

        self.db = Database(self.settings.database_url)
        migrate(self.db)
        self.app = create_app(self.settings, self.db)
        port = free_port()
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("API did not start")
            time.sleep(0.01)
        self.base_url = f"http://127.0.0.1:{port}"

    def stop_api(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            assert self._thread is not None
            self._thread.join(15)
            self._server = None
            self.app.state.service.redis.close()
            self.db.dispose()

    def start_worker(self, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"worker-{len(self.workers)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "service.commands", "worker"],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
        self.workers.append(proc)
        return proc

    def wait_workers(self, count: int, timeout: float = 60.0) -> None:
        """Until ``count`` workers beat in Redis (uploads are refused while none does)."""
        from service.queue import live_workers

        deadline = time.monotonic() + timeout
        redis = self.app.state.service.redis
        while live_workers(redis, self.settings.queue_name, self.settings.worker_alive_s) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"workers not alive after {timeout} s:\n{self.worker_logs()[-2000:]}"
                )
            time.sleep(0.05)

    def stop_workers(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.workers = [p for p in self.workers if p.poll() is None]

    def close(self) -> None:
        self.stop_workers()
        self.stop_api()

    def worker_logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace") for p in sorted(self.tmp.glob("worker-*.log"))
        )

    # -- HTTP helpers ----------------------------------------------------------------------
    def client(self, who: str | None = "pipe_a", key: str | None = None) -> httpx.Client:
        headers = {}
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        elif who is not None:
            headers["Authorization"] = f"Bearer {KEYS[who][1]}"
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def new_dossier(self, client: httpx.Client, request_date: str = "2025-10-01") -> str:
        r = client.post("/dossiers", json={"request_date": request_date})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    @staticmethod
    def upload(
        client: httpx.Client, dossier_id: str, name: str, data: bytes, **fields: str
    ) -> httpx.Response:
        return client.post(
            f"/dossiers/{dossier_id}/files",
            files={"file": (name, data, "application/octet-stream")},
            data=fields,
        )

    @staticmethod
    def wait_job(
        client: httpx.Client,
        job_id: str,
        timeout: float = 30.0,
        until: tuple[str, ...] = ("finished", "failed"),
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            r = client.get(f"/jobs/{job_id}")
            assert r.status_code == 200, r.text
            body = r.json()
            if body["status"] in until:
                return body
            time.sleep(0.02)
        raise AssertionError(f"job {job_id} still {body.get('status')} after {timeout} s")


@contextlib.contextmanager
def harness(
    tmp: Path,
    redis_url: str,
    *,
    workers: int = 1,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[Harness]:
    h = Harness(tmp, redis_url, database_url, env)
    try:
        h.start_api()
        for _ in range(workers):
            h.start_worker()
        if workers:
            h.wait_workers(workers)
        yield h
    finally:
        h.close()


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer
) -> Iterator[Harness]:
    """A shared instance (SQLite, two workers) for the tests that need no special set-up."""
    with harness(tmp_path_factory.mktemp("svc"), redis_server.url, workers=2) as h:
        yield h


@pytest.fixture(scope="session")
def sample_pdf() -> bytes:
    return (SAMPLES / "avis_2025_seul_2p.pdf").read_bytes()
