"""Several hosts on one machine: network namespaces made here, one host killed mid-job.

Four namespaces joined by veth pairs on a bridge; every address exists only inside them
(10.151.0.0/24), so nothing leaves the machine or even reaches its own interfaces:

* ``db``  (10.151.0.1): PostgreSQL (run as ``nobody``) and Redis;
* ``api`` (10.151.0.2): ``docproc serve``;
* ``w1``  (10.151.0.3) and ``w2`` (10.151.0.4): one ``docproc worker`` each.

Blobs live in PostgreSQL (``DOCPROC_STORAGE_BACKEND=database``) and every process has its own
data directory, so the hosts share nothing but the network. The test talks to the API from a
thread that joined the ``db`` namespace (``setns``). Dossiers are uploaded; as soon as a job
runs on ``w1``, every process of that namespace is SIGKILLed and the namespace deleted; every
dossier must still get its verdict, the interrupted job being taken over by ``w2``. All
namespaces and processes are removed at the end, on failure too.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.service.conftest import FAST, KEYS, PG_BIN, REDIS_BIN, ROOT, SAMPLES

pytestmark = [pytest.mark.multihost, pytest.mark.postgres, pytest.mark.redis]

NET = "10.151.0"
HOSTS = {"db": 1, "api": 2, "w1": 3, "w2": 4}
_CLONE_NEWNET = 0x40000000


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


def _why_not() -> str | None:
    """Why this machine cannot run the test, or None."""
    if not sys.platform.startswith("linux"):
        return "namespaces réseau : Linux seulement"
    if os.geteuid() != 0:
        return "ip netns demande root (test lancé sans privilèges)"
    if shutil.which("ip") is None:
        return "commande ip (iproute2) absente"
    if shutil.which("runuser") is None or not (PG_BIN / "postgres").exists() or REDIS_BIN is None:
        return "PostgreSQL 15, redis-server ou runuser absent"
    probe = f"dpchk{secrets.token_hex(3)}"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"ip netns refusé ici : {made.stderr.strip()[:120]}"
    try:
        veth = _ip(
            "-n", probe, "link", "add", "a0", "type", "veth", "peer", "name", "b0", check=False
        )
        if veth.returncode != 0:
            return f"paires veth refusées ici : {veth.stderr.strip()[:120]}"
    finally:
        _ip("netns", "del", probe, check=False)
    return None


class Hosts:
    """The namespaces, their processes, and their removal (by pid, then the namespace)."""

    def __init__(self, tmp: Path) -> None:
        self.tag = secrets.token_hex(3)
        self.tmp = tmp
        self.made: list[str] = []
        self.procs: dict[str, list[subprocess.Popen[bytes]]] = {}

    def ns(self, host: str) -> str:
        return f"dp{self.tag}-{host}"

    def addr(self, host: str) -> str:
        return f"{NET}.{HOSTS[host]}"

    def build(self) -> None:
        for host in HOSTS:
            _ip("netns", "add", self.ns(host))
            self.made.append(self.ns(host))
            _ip("-n", self.ns(host), "link", "set", "lo", "up")
        db = self.ns("db")
        _ip("-n", db, "link", "add", "br0", "type", "bridge")
        _ip("-n", db, "addr", "add", f"{self.addr('db')}/24", "dev", "br0")
        _ip("-n", db, "link", "set", "br0", "up")
        for i, host in enumerate(h for h in HOSTS if h != "db"):
            # Both ends are created inside namespaces: nothing appears on the host's side.
            _ip(
                "-n",
                db,
                "link",
                "add",
                f"h{i}",
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                self.ns(host),
            )
            _ip("-n", db, "link", "set", f"h{i}", "master", "br0")
            _ip("-n", db, "link", "set", f"h{i}", "up")
            _ip("-n", self.ns(host), "addr", "add", f"{self.addr(host)}/24", "dev", "eth0")
            _ip("-n", self.ns(host), "link", "set", "eth0", "up")

    def run(
        self, host: str, args: list[str], env: dict[str, str] | None = None, log: str | None = None
    ) -> subprocess.Popen[bytes]:
        out = open(self.tmp / f"{log or host}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns(host), *args],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
        self.procs.setdefault(host, []).append(proc)
        return proc

    def pids(self, host: str) -> set[int]:
        if self.ns(host) not in self.made:
            return set()
        out = _ip("netns", "pids", self.ns(host), check=False).stdout
        return {int(p) for p in out.split()}

    def kill_host(self, host: str) -> set[int]:
        """SIGKILL every process of the namespace until none is left, then delete it."""
        killed: set[int] = set()
        deadline = time.monotonic() + 20
        while (pids := self.pids(host)) and time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            killed |= pids
            time.sleep(0.05)
        for proc in self.procs.get(host, []):
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
        if self.ns(host) in self.made:
            _ip("netns", "del", self.ns(host), check=False)
            self.made.remove(self.ns(host))
        return killed

    def remove_all(self) -> None:
        # PostgreSQL first, by a fast shutdown (no shared memory left behind), then SIGKILL.
        with contextlib.suppress(OSError, ValueError):
            pid = int((self.tmp / "pg" / "data" / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGINT)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                os.kill(pid, 0)  # raises once it is gone
                time.sleep(0.05)
        for host in reversed(list(HOSTS)):
            self.kill_host(host)


class InNamespace:
    """One thread that joined a namespace: sockets made by what it runs live there."""

    def __init__(self, ns: str) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(
            1, initializer=self._enter, initargs=(ns,)
        )

    @staticmethod
    def _enter(ns: str) -> None:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        fd = os.open(f"/var/run/netns/{ns}", os.O_RDONLY)
        try:
            if libc.setns(fd, _CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
        finally:
            os.close(fd)

    def __call__(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._pool.submit(fn, *args).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


@pytest.fixture
def hosts() -> Iterator[Hosts]:
    reason = _why_not()
    if reason:
        pytest.skip(f"test multi-hôtes impossible sur cette machine : {reason}")
    tmp = Path(tempfile.mkdtemp(prefix="dpmh-", dir="/tmp"))
    tmp.chmod(0o755)
    h = Hosts(tmp)
    try:
        h.build()
        yield h
    finally:
        h.remove_all()
        leftover = [
            n
            for n in _ip("netns", "list", check=False).stdout.split()
            if n.startswith(f"dp{h.tag}-")
        ]
        shutil.rmtree(tmp, ignore_errors=True)
        assert not leftover, f"namespaces left behind: {leftover}"


def _start_postgres(h: Hosts) -> None:
    base = h.tmp / "pg"
    base.mkdir()
    shutil.chown(base, user="nobody")
    runas = ["runuser", "-u", "nobody", "--"]
    subprocess.run(
        [
            *runas,
            str(PG_BIN / "initdb"),
            "-D",
            str(base / "data"),
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
    with open(base / "data" / "pg_hba.conf", "a", encoding="utf-8") as fh:
        fh.write(f"host all all {NET}.0/24 trust\n")
    h.run(
        "db",
        [
            *runas,
            str(PG_BIN / "postgres"),
            "-D",
            str(base / "data"),
            "-k",
            str(base),
            "-c",
            f"listen_addresses={h.addr('db')}",
            "-c",
            "fsync=off",
        ],
        log="postgres",
    )


def _wait_for(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(0.1)
    raise AssertionError(f"{what}: not ready after {timeout} s")


def test_one_worker_host_dies_mid_job_nothing_is_lost(hosts: Hosts) -> None:
    import httpx
    import psycopg
    import redis as redis_lib

    h = hosts
    db_addr = h.addr("db")
    _start_postgres(h)
    h.run(
        "db",
        [
            str(REDIS_BIN),
            "--bind",
            db_addr,
            "--port",
            "6379",
            "--protected-mode",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(h.tmp),
            "--daemonize",
            "no",
        ],
        log="redis",
    )
    env = {
        **os.environ,
        **FAST,
        "DATABASE_URL": f"postgresql+psycopg://docproc@{db_addr}:5432/postgres",
        "REDIS_URL": f"redis://{db_addr}:6379/0",
        "DOCPROC_STORAGE_BACKEND": "database",
        "DOCPROC_STORAGE_KEY": secrets.token_bytes(32).hex(),
        "DOCPROC_API_KEYS": ",".join(f"{n}:{r}:{k}" for n, (r, k) in KEYS.items()),
        "DOCPROC_API_PROCESSES": "1",
        "DOCPROC_TRUST_TEST_2DDOC": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DOCPROC_SETTINGS_FILE", None)
    # Each host has its own data directory: they share nothing but the network.
    data = {host: h.tmp / f"data-{host}" for host in ("api", "w1", "w2")}
    net = InNamespace(h.ns("db"))
    try:
        net(
            _wait_for,
            "postgres",
            lambda: (
                psycopg.connect(
                    host=db_addr, user="docproc", dbname="postgres", connect_timeout=1
                ).close()
                is None
            ),
            30,
        )
        net(
            _wait_for,
            "redis",
            lambda: redis_lib.Redis(host=db_addr, socket_connect_timeout=1).ping(),
            10,
        )
        api_env = {**env, "DOCPROC_DATA_DIR": str(data["api"])}
        h.run(
            "api",
            [
                sys.executable,
                "-m",
                "service.commands",
                "serve",
                "--host",
                h.addr("api"),
                "--port",
                "8000",
            ],
            env=api_env,
        )
        base = f"http://{h.addr('api')}:8000"
        # Up, but "degraded" until a worker beats (uploads are refused meanwhile): both mean the API answers.
        net(
            _wait_for,
            "api",
            lambda: httpx.get(f"{base}/healthz", timeout=2).status_code in (200, 503),
            60,
        )
        slow = {"TEST_FAULT_SLEEP_S": "1.5"}  # each job runs long enough to be caught mid-run
        for host in ("w1", "w2"):
            h.run(
                host,
                [sys.executable, "-m", "service.commands", "worker"],
                env={**env, **slow, "DOCPROC_DATA_DIR": str(data[host])},
            )

        def workers_up() -> bool:
            from rq import Worker

            return len(Worker.all(connection=redis_lib.Redis(host=db_addr))) >= 2

        net(_wait_for, "workers", workers_up, 90)

        pdf = (SAMPLES / "avis_2025_seul_2p.pdf").read_bytes()
        pipe = net(
            lambda: httpx.Client(
                base_url=base, timeout=30, headers={"Authorization": f"Bearer {KEYS['pipe_a'][1]}"}
            )
        )

        def upload(n: int) -> tuple[str, str]:
            d = pipe.post("/dossiers", json={"request_date": "2025-10-01"}).json()["id"]
            r = pipe.post(
                f"/dossiers/{d}/files", files={"file": ("avis.pdf", pdf + f"\n%{n}\n".encode())}
            )
            assert r.status_code == 202, r.text
            return d, r.json()["job_id"]

        accepted = [net(upload, n) for n in range(6)]
        jobs = [job for _, job in accepted]

        def running_on(host: str) -> str | None:
            pids = h.pids(host)
            with psycopg.connect(host=db_addr, user="docproc", dbname="postgres") as conn:
                rows = conn.execute(
                    "SELECT id, worker FROM jobs WHERE status = 'started' AND id = ANY(%s)", (jobs,)
                ).fetchall()
            for job_id, worker in rows:
                if worker and int(worker.rsplit("-", 2)[1]) in pids:
                    return str(job_id)
            return None

        deadline = time.monotonic() + 60
        victim = None
        while victim is None and time.monotonic() < deadline:
            victim = net(running_on, "w1")
            time.sleep(0.05)
        assert victim is not None, "no job was seen running on w1"
        w2_pids = h.pids("w2")
        killed = h.kill_host(
            "w1"
        )  # the whole host: every process of its namespace, then the namespace
        assert killed and not h.pids("w1")

        def state() -> dict[str, tuple[str, int, str | None]]:
            with psycopg.connect(host=db_addr, user="docproc", dbname="postgres") as conn:
                rows = conn.execute(
                    "SELECT id, status, attempts, worker FROM jobs WHERE id = ANY(%s)", (jobs,)
                ).fetchall()
            return {str(r[0]): (str(r[1]), int(r[2]), r[3]) for r in rows}

        taken_over_by: set[int] = set()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            now = net(state)
            worker = now[victim][2]
            if worker:
                taken_over_by.add(int(worker.rsplit("-", 2)[1]))
            if all(s in ("finished", "failed") for s, _, _ in now.values()):
                break
            time.sleep(0.05)
        final = net(state)
        assert {s for s, _, _ in final.values()} == {"finished"}, final
        assert final[victim][1] >= 2, "the interrupted job ran again"
        assert taken_over_by & w2_pids, "w2 took the interrupted job over"

        for dossier_id, _ in accepted:
            body = net(lambda d=dossier_id: pipe.get(f"/dossiers/{d}").json())
            assert body["status"] == "complete" and len(body["documents"]) == 1, body["status"]
        assert not any(
            p.suffix == ".bin" for d in data.values() if d.exists() for p in d.rglob("*")
        ), "blobs are in PostgreSQL, not on a host's disk"
        net(pipe.close)
    finally:
        net.close()
