"""Service settings: environment first, then an optional TOML settings file, then defaults.

Every tunable is a documented field (rq ``defaults.py`` style). Secrets (API keys, the storage
key) are read from the environment or from files with 0600 permissions in the data directory,
never from the repository.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from docproc.settings import get_settings as _pipeline_settings

Role = Literal["pipeline", "agent", "qa"]
ROLES: tuple[Role, ...] = ("pipeline", "agent", "qa")


class SettingsError(ValueError):
    """A setting is malformed; the message names the setting, never a secret."""


@dataclass(frozen=True)
class ApiKey:
    """One client: ``name`` owns the dossiers it creates; ``key`` is the bearer secret."""

    name: str
    role: Role
    key: str = field(repr=False)


@dataclass(frozen=True)
class ServiceSettings:
    data_dir: Path
    #: SQLAlchemy URL; SQLite in the data directory unless ``DATABASE_URL`` says otherwise.
    database_url: str
    #: Redis holding the RQ queue (``redis://host:port/db`` or ``unix:///path?db=0``).
    redis_url: str
    api_keys: tuple[ApiKey, ...] = ()
    #: AES-256 key (base64 or hex) from ``DOCPROC_STORAGE_KEY``; else a key file in the data dir.
    storage_key: str | None = field(default=None, repr=False)
    queue_name: str = "docproc"
    #: Largest accepted upload (2 Mo, the CSS form's limit).
    max_upload_bytes: int = 2 * 1024 * 1024
    #: RQ job timeout in seconds; a job running longer is failed with ``file.timeout``.
    job_timeout_s: int = 120
    #: Attempts before a job is failed for good (infrastructure retries and abandoned runs).
    max_attempts: int = 3
    #: First retry delay after an infrastructure fault; doubled at each attempt, capped at 60 s.
    retry_backoff_s: float = 2.0
    #: How often a worker refreshes the heartbeat of the job it runs (database column).
    heartbeat_s: float = 2.0
    #: A started job whose heartbeat is older than this is abandoned (its worker died).
    stale_after_s: float = 20.0
    #: How often one worker (a Redis lock elects it) runs the reconciler.
    reconcile_every_s: float = 5.0
    #: A queued job missing from Redis for this long is enqueued again.
    requeue_lost_after_s: float = 10.0
    #: How long RQ keeps finished / failed job hashes (ids only) in Redis.
    rq_result_ttl_s: int = 600
    rq_failure_ttl_s: int = 3 * 24 * 3600
    #: A dossier holding images (OCR, seconds per page) is read once it has had no new upload
    #: for this long, so the pages of one avis sent as several photos are OCR'd once, together.
    coalesce_images_s: float = 0.5
    #: Address-space cap of a worker process in MiB (0: none), so a memory bomb raises
    #: MemoryError in the job instead of taking the machine down.
    worker_memory_mb: int = 3072
    #: API processes (uvicorn workers; default 2, or 1 on a single core): one Python process
    #: tops out near 250 uploads/s on this project's 2-core machine.
    api_processes: int = 2
    #: Log one line per HTTP request (method, path with ids, status); off by default.
    access_log: bool = False
    #: Fault injection for tests and drills only (never set in production):
    #: every job sleeps this long after it is claimed and before extraction.
    fault_sleep_s: float = 0.0
    #: the first N attempts of every job fail with a simulated infrastructure fault.
    fault_infra_failures: int = 0
    #: extraction raises an internal error (as a hostile file crashing the pipeline would).
    fault_pipeline_error: bool = False

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def key_file(self) -> Path:
        return self.data_dir / "storage.key"


def parse_api_keys(spec: str | list[Any], source: str) -> tuple[ApiKey, ...]:
    """``"name:role:key,name:role:key"`` (or a list of such strings / tables) to ApiKeys."""
    items: list[Any]
    if isinstance(spec, str):
        items = [p for chunk in spec.replace("\n", ",").split(",") if (p := chunk.strip())]
        items = [p for p in items if not p.startswith("#")]
    else:
        items = list(spec)
    keys: list[ApiKey] = []
    for item in items:
        if isinstance(item, dict):
            name, role, key = (str(item.get(k, "")).strip() for k in ("name", "role", "key"))
        else:
            parts = str(item).split(":", 2)
            if len(parts) != 3:
                raise SettingsError(f"{source} : entrée n° {len(keys) + 1} invalide (attendu nom:rôle:clé)")
            name, role, key = (p.strip() for p in parts)
        if role not in ROLES:
            raise SettingsError(f"{source} : rôle inconnu pour « {name} » (pipeline, agent ou qa)")
        if not name or len(key) < 16:
            raise SettingsError(f"{source} : la clé de « {name} » doit faire au moins 16 caractères")
        keys.append(ApiKey(name=name, role=role, key=key))  # type: ignore[arg-type]
    names = [k.name for k in keys]
    if len(set(names)) != len(names) or len({k.key for k in keys}) != len(keys):
        raise SettingsError(f"{source} : noms ou clés en double")
    return tuple(keys)


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} doit être un nombre") from exc


def load_settings(env: dict[str, str] | None = None, data_dir: Path | None = None) -> ServiceSettings:
    """Read the settings; ``data_dir`` (from ``docproc up --data-dir``) beats the environment."""
    env = dict(os.environ if env is None else env)
    file_values: dict[str, Any] = {}
    settings_file = env.get("DOCPROC_SETTINGS_FILE")
    if settings_file:
        try:
            with open(settings_file, "rb") as fh:
                file_values = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError("DOCPROC_SETTINGS_FILE illisible ou invalide") from exc

    def pick(name: str, key: str, default: Any = None) -> Any:
        return env.get(name) or file_values.get(key, default)

    root = Path(data_dir or pick("DOCPROC_DATA_DIR", "data_dir", "var")).resolve()
    database_url = pick("DATABASE_URL", "database_url") or f"sqlite:///{root / 'docproc.sqlite3'}"
    redis_url = pick("REDIS_URL", "redis_url") or "redis://127.0.0.1:6379/0"

    keys: tuple[ApiKey, ...] = ()
    if env.get("DOCPROC_API_KEYS"):
        keys = parse_api_keys(env["DOCPROC_API_KEYS"], "DOCPROC_API_KEYS")
    elif env.get("DOCPROC_API_KEYS_FILE"):
        keys = _keys_from_file(Path(env["DOCPROC_API_KEYS_FILE"]), "DOCPROC_API_KEYS_FILE")
    elif "api_keys" in file_values:
        keys = parse_api_keys(file_values["api_keys"], "fichier de réglages")
    elif (root / "api_keys").is_file():
        keys = _keys_from_file(root / "api_keys", "api_keys")

    pipeline = _pipeline_settings()
    return ServiceSettings(
        data_dir=root,
        database_url=database_url,
        redis_url=redis_url,
        api_keys=keys,
        storage_key=pick("DOCPROC_STORAGE_KEY", "storage_key"),
        queue_name=pick("DOCPROC_QUEUE", "queue_name", "docproc"),
        max_upload_bytes=pipeline.max_bytes,
        job_timeout_s=int(_float(env, "DOCPROC_JOB_TIMEOUT_S", file_values.get("job_timeout_s", 120))),
        max_attempts=int(_float(env, "DOCPROC_MAX_ATTEMPTS", file_values.get("max_attempts", 3))),
        retry_backoff_s=_float(env, "DOCPROC_RETRY_BACKOFF_S", file_values.get("retry_backoff_s", 2.0)),
        heartbeat_s=_float(env, "DOCPROC_HEARTBEAT_S", file_values.get("heartbeat_s", 2.0)),
        stale_after_s=_float(env, "DOCPROC_STALE_AFTER_S", file_values.get("stale_after_s", 20.0)),
        reconcile_every_s=_float(env, "DOCPROC_RECONCILE_S", file_values.get("reconcile_every_s", 5.0)),
        requeue_lost_after_s=_float(env, "DOCPROC_REQUEUE_LOST_S", file_values.get("requeue_lost_after_s", 10.0)),
        coalesce_images_s=_float(env, "DOCPROC_COALESCE_S", file_values.get("coalesce_images_s", 0.5)),
        worker_memory_mb=int(_float(env, "DOCPROC_WORKER_MEMORY_MB", file_values.get("worker_memory_mb", 3072))),
        access_log=env.get("DOCPROC_ACCESS_LOG", "") in ("1", "true", "yes"),
        api_processes=max(1, int(_float(env, "DOCPROC_API_PROCESSES",
                                        file_values.get("api_processes", min(2, os.cpu_count() or 1))))),
        fault_sleep_s=_float(env, "DOCPROC_FAULT_SLEEP_S", 0.0),
        fault_infra_failures=int(_float(env, "DOCPROC_FAULT_INFRA_FAILURES", 0)),
        fault_pipeline_error=env.get("DOCPROC_FAULT_PIPELINE_ERROR", "") == "1",
    )


def _keys_from_file(path: Path, source: str) -> tuple[ApiKey, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"{source} illisible") from exc
    return parse_api_keys(text, source)
