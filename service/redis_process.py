"""The private ``redis-server`` of ``docproc up`` (and of the benchmarks): Unix socket in the data
directory, AOF every second, ``noeviction``; restarted when it dies, stopped with its AOF synced."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from service.children import child_of_me

log = logging.getLogger("docproc.up")


class RedisProcess:
    """A private redis-server in ``<data_dir>/redis``: Unix socket, AOF everysec, noeviction."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "redis"
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.socket = self.dir / "redis.sock"
        # A Unix socket path is limited to 107 bytes: fall back to a loopback port.
        self.port = 0 if len(str(self.socket)) < 100 else free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.pidfile = self.dir / "redis.pid"
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        return (
            f"unix://{self.socket}?db=0" if self.port == 0 else f"redis://127.0.0.1:{self.port}/0"
        )

    def start(self, timeout: float = 15.0) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server est introuvable (paquet Debian redis-server)")
        conf = self.dir / "redis.conf"
        lines = [
            f"port {self.port}",
            "bind 127.0.0.1",
            "protected-mode yes",
            f"dir {self.dir}",
            "logfile redis.log",
            "daemonize no",
            "appendonly yes",
            "appendfsync everysec",
            'save ""',
            "maxmemory-policy noeviction",
            f"pidfile {self.pidfile}",
        ]
        if self.port == 0:
            lines += [f"unixsocket {self.socket}", "unixsocketperm 700"]
        conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self._wait_previous()
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()
        self.proc = subprocess.Popen(
            [binary, str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=child_of_me(),
        )
        from redis import Redis
        from redis.exceptions import RedisError

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"redis-server s'est arrêté au démarrage (voir {self.dir / 'redis.log'})"
                )
            try:
                Redis.from_url(self.url, socket_connect_timeout=1).ping()
                return
            except RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server ne répond pas")

    def _wait_previous(self, timeout: float = 10.0) -> None:
        """A redis-server of a previous ``up`` (killed with ``kill -9``) still on this directory
        got SIGTERM with its parent: let it finish syncing its AOF, then kill what is left."""
        try:
            pid = int(self.pidfile.read_text().strip())
            # Ours only: a redis-server working in this very directory (``dir`` chdirs there).
            cmdline, cwd = (
                Path(f"/proc/{pid}/cmdline").read_bytes(),
                os.readlink(f"/proc/{pid}/cwd"),
            )
        except (OSError, ValueError):
            return
        if (
            b"redis-server" not in cmdline
            or cwd != str(self.dir)
            or (self.proc is not None and self.proc.pid == pid)
        ):
            return
        deadline = time.monotonic() + timeout
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def watch(self) -> None:
        """Restart the private redis-server whenever it dies (until ``stop``)."""

        def loop() -> None:
            while not self.stopping.wait(0.5):
                if self.proc is None or self.proc.poll() is None:
                    continue
                log.warning("redis-server ended (code %s): restarting", self.proc.returncode)
                try:
                    self.start()
                except RuntimeError as exc:
                    log.error("redis-server: %s", exc)

        threading.Thread(target=loop, name="redis-supervisor", daemon=True).start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # SIGTERM: redis fsyncs the AOF and exits
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
