"""``docproc serve``, ``docproc worker`` and ``docproc up`` (wired into ``docproc.cli``).

``up`` is the embedded default: a private ``redis-server`` (AOF on, ``noeviction``, listening
only on a Unix socket in the data directory), one worker per core, the API on 127.0.0.1. It
runs in the foreground; Ctrl-C or SIGTERM stops the API, lets each worker finish its job
(warm shutdown, then SIGKILL after a grace period) and shuts Redis down with its AOF synced.
Children die with ``up`` even when it is killed outright (``PR_SET_PDEATHSIG``).

Also runnable as ``python -m service.commands {serve,worker,up,migrate}``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import functools
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from service import metrics

log = logging.getLogger("docproc.up")

#: Seconds a worker gets to finish its job after SIGTERM before it is killed.
WORKER_STOP_GRACE_S = 30.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int | None = None) -> None:
    """In the child (before exec, or first thing in a spawned process): receive SIGTERM when
    the parent dies (Linux). ``parent``: the pid it must still have, else it is already gone
    (killed between the fork and this call) and the child ends at once."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if parent is not None and os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


def _child_of_me() -> Any:
    """``preexec_fn`` for a child that must die with this process."""
    return functools.partial(_die_with_parent, os.getpid())


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _setup_logging() -> None:
    # Everything the service writes (database, blobs, keys, Redis files) is for it alone.
    os.umask(0o077)
    from service import logs

    logs.configure()  # JSON lines on stderr unless it is a terminal (service/logs.py)


def _uvicorn_run(
    app: Any, host: str, port: int, access_log: bool, processes: int = 1, **http: Any
) -> None:
    import gc

    import uvicorn

    # uvicorn restores the handlers it found and re-raises the signal once it has shut down:
    # with these in place that ends here, and the caller's clean-up (workers, Redis) runs,
    # instead of the default action killing the process on the spot.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _signum, _frame: None)

    if processes > 1:
        # Each process builds its own app (database pool, Redis client) from the environment,
        # and dies with this one (``service.app.app_from_env``).
        os.environ["DOCPROC_PARENT_PID"] = str(os.getpid())
        uvicorn.run(
            "service.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=processes,
            log_level="warning",
            access_log=access_log,
            timeout_graceful_shutdown=10,
            **http,
        )
        return

    # Everything imported so far lives for the whole process: keep it out of the collector's
    # scans, and collect young objects less often (fewer pauses in the upload path's tail).
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=access_log,
        timeout_graceful_shutdown=10,
        **http,
    )
    uvicorn.Server(config).run()


def serve(host: str, port: int) -> int:
    """The API alone, on an existing Redis (``REDIS_URL``) and database (``DATABASE_URL``)."""
    _setup_logging()
    from service.app import create_app
    from service.db import Database, migrate
    from service.httpguard import uvicorn_options
    from service.settings import load_settings

    settings = load_settings()
    metrics.prepare_dir(settings.data_dir, wipe="stale")  # before any metric, for every API process
    if not settings.api_keys:
        log.warning(
            "aucune clé d'API configurée (DOCPROC_API_KEYS) : toutes les requêtes seront refusées"
        )
    db = Database(settings.database_url)
    migrate(db)
    http = uvicorn_options(settings)  # slow and many clients (service.httpguard)
    if settings.api_processes > 1:
        db.dispose()
        _uvicorn_run(None, host, port, settings.access_log, settings.api_processes, **http)
    else:
        _uvicorn_run(create_app(settings, db), host, port, settings.access_log, **http)
    return 0


def run_worker() -> int:
    """One RQ worker on an existing Redis (``REDIS_URL``), until SIGTERM/SIGINT."""
    _setup_logging()
    from service import runner
    from service.settings import load_settings

    settings = load_settings()
    metrics.prepare_dir(settings.data_dir)  # shared with the API processes, never wiped here
    return runner.run(settings)


def migrate_only() -> int:
    _setup_logging()
    from service.db import Database, migrate
    from service.settings import load_settings

    migrate(Database(load_settings().database_url))
    return 0


class RedisProcess:
    """A private redis-server in ``<data_dir>/redis``: Unix socket, AOF everysec, noeviction."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "redis"
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.socket = self.dir / "redis.sock"
        # A Unix socket path is limited to 107 bytes: fall back to a loopback port.
        self.port = 0 if len(str(self.socket)) < 100 else _free_port()
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
            preexec_fn=_child_of_me(),
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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
            preexec_fn=_child_of_me(),
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


def _wait_port_free(host: str, port: int, timeout: float = 15.0) -> None:
    """After a ``kill -9`` of a previous ``up``, its API processes got SIGTERM and are closing
    their sockets: wait for the port (SO_REUSEADDR, as uvicorn binds) instead of failing."""
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket(
            socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM
        ) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
                return
            except OSError:
                if time.monotonic() > deadline:
                    return  # uvicorn reports it
        time.sleep(0.2)


def _ensure_keys(data_dir: Path) -> None:
    """Local API keys (0600 file) when none are configured, so ``up`` is usable as is."""
    path = data_dir / "api_keys"
    if path.exists():
        return
    lines = [
        f"local-{role}:{role}:{secrets.token_urlsafe(24)}" for role in ("pipeline", "agent", "qa")
    ]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(
            "# nom:rôle:clé — clés locales créées par « docproc up »\n" + "\n".join(lines) + "\n"
        )
    log.warning("clés d'API locales créées dans %s", path)


def up(host: str, port: int, data_dir: Path) -> int:
    """Everything on the embedded default, in the foreground until Ctrl-C / SIGTERM."""
    _setup_logging()
    from service.app import create_app
    from service.db import Database, migrate
    from service.httpguard import uvicorn_options
    from service.settings import load_settings

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    metrics.prepare_dir(data_dir, wipe="all")  # before the workers and the API start counting
    redis = RedisProcess(data_dir)
    pool: WorkerPool | None = None
    try:
        redis.start()
        redis.watch()
        env = {**os.environ, "REDIS_URL": redis.url, "DOCPROC_DATA_DIR": str(data_dir)}
        if not (env.get("DOCPROC_API_KEYS") or env.get("DOCPROC_API_KEYS_FILE")):
            _ensure_keys(data_dir)
        os.environ.update({"REDIS_URL": redis.url, "DOCPROC_DATA_DIR": str(data_dir)})
        settings = load_settings(data_dir=data_dir)
        db = Database(settings.database_url)
        migrate(db)
        from service.storage import load_master_key

        load_master_key(settings)  # create the key file before the workers race for it
        pool = WorkerPool(os.cpu_count() or 1, env)
        pool.start()
        _wait_port_free(host, port)
        _say(
            f"docproc up : API sur http://{host}:{port} (documentation /docs), "
            f"{pool.count} worker(s), données dans {data_dir} — Ctrl-C pour arrêter."
        )
        http = uvicorn_options(settings)  # slow and many clients (service.httpguard)
        if settings.api_processes > 1:
            db.dispose()  # each API process opens its own (``service.app.app_from_env``)
            _uvicorn_run(None, host, port, settings.access_log, settings.api_processes, **http)
        else:
            _uvicorn_run(create_app(settings, db), host, port, settings.access_log, **http)
    finally:
        if pool is not None:
            pool.stop(WORKER_STOP_GRACE_S)
        redis.stop()
    _say("docproc up : arrêté.")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m service.commands")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    sub.add_parser("worker")
    sub.add_parser("migrate")
    u = sub.add_parser("up")
    u.add_argument("--host", default="127.0.0.1")
    u.add_argument("--port", type=int, default=8000)
    u.add_argument("--data-dir", default="./var")
    args = p.parse_args(argv)
    if args.command == "serve":
        return serve(args.host, args.port)
    if args.command == "worker":
        return run_worker()
    if args.command == "migrate":
        return migrate_only()
    return up(args.host, args.port, Path(args.data_dir))


if __name__ == "__main__":
    sys.exit(main())
