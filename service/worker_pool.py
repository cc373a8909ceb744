"""The worker subprocesses of ``docproc up`` (``python -m service.commands worker``), restarted
when they die, with a backoff when they crash-loop; stopped warm (the current job ends first)."""

from __future__ import annotations

import contextlib
import logging
import signal
import subprocess
import sys
import threading
import time

from service import metrics
from service.children import child_of_me

log = logging.getLogger("docproc.up")

#: Seconds a worker gets to finish its job after SIGTERM before it is killed.
WORKER_STOP_GRACE_S = 30.0


class WorkerPool:
    """Worker subprocesses, restarted when they die (with a backoff when they crash-loop)."""

    def __init__(self, count: int, env: dict[str, str]) -> None:
        self.count = count
        self.env = env
        self.procs: list[subprocess.Popen[bytes] | None] = [None] * count
        self.started_at = [0.0] * count
        self.backoff = [0.0] * count
        self.died_at: list[float | None] = [None] * count
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._supervise, name="worker-supervisor", daemon=True
        )

    def _spawn(self, i: int) -> None:
        self.procs[i] = subprocess.Popen(
            [sys.executable, "-m", "service.commands", "worker"],
            env=self.env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=child_of_me(),
        )
        self.started_at[i] = time.monotonic()

    def start(self) -> None:
        with self._lock:
            for i in range(self.count):
                self._spawn(i)
        self._thread.start()

    def _supervise(self) -> None:
        while not self.stopping.wait(0.5):
            with self._lock:
                for i, proc in enumerate(self.procs):
                    if self.stopping.is_set() or proc is None or proc.poll() is None:
                        continue
                    now = time.monotonic()
                    died = self.died_at[i]
                    if died is None:
                        lived = now - self.started_at[i]
                        self.backoff[i] = (
                            0.0 if lived > 60 else min(max(self.backoff[i] * 2, 0.5), 30.0)
                        )
                        self.died_at[i] = died = now
                        log.warning("worker %d ended (code %s): restarting", i, proc.returncode)
                        metrics.process_ended(proc.pid)
                    if now - died >= self.backoff[i]:
                        self._spawn(i)
                        self.died_at[i] = None

    def stop(self, grace: float) -> None:
        self.stopping.set()
        with self._lock:
            live = [p for p in self.procs if p is not None and p.poll() is None]
            for p in live:
                with contextlib.suppress(ProcessLookupError):
                    p.send_signal(signal.SIGTERM)  # warm shutdown: the current job ends first
            deadline = time.monotonic() + grace
            for p in live:
                try:
                    p.wait(max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
