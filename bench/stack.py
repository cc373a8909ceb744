"""The service under measure: a private ``redis-server`` and ``python -m service.commands``
subprocesses (``serve``, ``worker``, ``up``) on loopback, all stopped on close; and what
``/proc`` tells of its processes (CPU time, memory, the workers of ``up``)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx

from service.redis_process import RedisProcess, free_port

__all__ = ["Stack", "children", "cpu_s", "free_port", "status_kb", "wait_http", "worker_pids"]


class Stack:
    """A private redis-server plus service subprocesses, all stopped on exit."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.redis = RedisProcess(tmp)
        self.redis.start()
        self.key = secrets.token_urlsafe(24)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.env = {
            **os.environ,
            "REDIS_URL": self.redis.url,
            "DOCPROC_API_KEYS": f"bench:pipeline:{self.key}",
            "DOCPROC_STORAGE_KEY": secrets.token_bytes(32).hex(),
            "DOCPROC_TRUST_TEST_2DDOC": "1",
            # The acceptance phase runs without workers, 32 clients on one key.
            "DOCPROC_REQUIRE_WORKER": "0",
            "DOCPROC_MAX_UPLOADS_PER_KEY": "64",
        }
        self.env.pop("DATABASE_URL", None)
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # each data dir's own metrics/ directory

    def spawn(self, args: list[str], data_dir: Path, queue: str) -> subprocess.Popen[bytes]:
        env = {**self.env, "DOCPROC_DATA_DIR": str(data_dir), "DOCPROC_QUEUE": queue}
        log = open(self.tmp / f"proc-{len(self.procs)}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "service.commands", *args],
            env=env,
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.redis.stop()


def wait_http(base: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("le service s'est arrêté au démarrage")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("le service ne répond pas")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its live descendants (Linux /proc)."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += cpu_s(int(child))
    except (OSError, ValueError, IndexError):
        pass
    return total


def status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return out


def worker_pids(up_pid: int) -> list[int]:
    pids = []
    for child in children(up_pid):
        try:
            cmd = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"service.commands" in cmd and b"worker" in cmd:
            pids.append(child)
    return pids
