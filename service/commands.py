"""``docproc serve``, ``docproc worker`` and ``docproc up`` (wired into the ``docproc`` command by
``cli.service_commands``).

``up`` is the embedded default: a private ``redis-server`` (AOF on, ``noeviction``, listening
only on a Unix socket in the data directory), one worker per core, the API on 127.0.0.1. It
runs in the foreground; Ctrl-C or SIGTERM stops the API, lets each worker finish its job
(warm shutdown, then SIGKILL after a grace period) and shuts Redis down with its AOF synced.
Children die with ``up`` even when it is killed outright (``PR_SET_PDEATHSIG``).

Also runnable as ``python -m service.commands {serve,worker,up,migrate}``.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from service import metrics
from service.redis_process import RedisProcess
from service.worker_pool import WORKER_STOP_GRACE_S, WorkerPool

log = logging.getLogger("docproc.up")


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
    from service.config import load_settings
    from service.db import Database, migrate
    from service.httpguard import uvicorn_options

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
    from service.config import load_settings

    settings = load_settings()
    metrics.prepare_dir(settings.data_dir)  # shared with the API processes, never wiped here
    return runner.run(settings)


def migrate_only() -> int:
    _setup_logging()
    from service.config import load_settings
    from service.db import Database, migrate

    migrate(Database(load_settings().database_url))
    return 0


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
    from service.config import load_settings
    from service.db import Database, migrate
    from service.httpguard import uvicorn_options

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
