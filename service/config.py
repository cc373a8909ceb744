"""Service settings: environment first, then an optional TOML settings file, then defaults.

Each tunable is declared once, as a documented field of :class:`ServiceSettings` (a frozen
pydantic-settings model, ``extra="forbid"``) that names its variable and the French words for
its type (``_env``): an unknown TOML key or ``DOCPROC_*`` variable, or a value of the wrong
type, is refused with a French message naming the key and the type expected. Secrets (API
keys, the storage key) are read from the environment or from files with 0600 permissions in
the data directory, never from the repository. API keys themselves: ``service.api_keys``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, JsonValue
from pydantic_settings import BaseSettings, SettingsConfigDict

from docproc.settings import Settings as _Library
from docproc.settings import SettingsError, check_environment, french_errors
from docproc.settings import get_settings as _pipeline_settings
from service.api_keys import ApiKey, keys_from_file, parse_api_keys

__all__ = ["ServiceSettings", "SettingsError", "describe", "load_settings"]


def _env(
    default: Any,
    env: str,
    expected: str,
    *,
    factory: Callable[[], Any] | None = None,
    **bounds: Any,
) -> Any:
    """A setting read from ``env`` (or its TOML key, the field's name); ``expected`` words its
    type in French for error messages."""
    extra: dict[str, JsonValue] = {"env": env, "expected": expected}
    if factory is not None:
        return Field(default_factory=factory, json_schema_extra=extra, **bounds)
    return Field(default, json_schema_extra=extra, **bounds)


class ServiceSettings(BaseSettings):
    """The service's settings, each declared once below (``load_settings`` fills them)."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: Any, init_settings: Any, *_sources: Any, **_named: Any
    ) -> tuple[Any, ...]:
        return (init_settings,)  # environment and file are read by load_settings, with origins

    #: Where the service keeps its database (SQLite), files and keys (``docproc up --data-dir``).
    data_dir: Path = _env(Path("var"), "DOCPROC_DATA_DIR", "un chemin de dossier")
    #: SQLAlchemy URL; SQLite in the data directory unless ``DATABASE_URL`` says otherwise.
    database_url: str = _env("", "DATABASE_URL", "une URL SQLAlchemy")
    #: Redis holding the RQ queue (``redis://host:port/db`` or ``unix:///path?db=0``).
    redis_url: str = _env("redis://127.0.0.1:6379/0", "REDIS_URL", "une URL Redis")
    #: Clients and their roles (``DOCPROC_API_KEYS``, a key file, or ``api_keys`` in TOML).
    api_keys: tuple[ApiKey, ...] = ()
    #: AES-256 key (base64 or hex) from ``DOCPROC_STORAGE_KEY``; else a key file in the data dir.
    storage_key: str | None = _env(
        None, "DOCPROC_STORAGE_KEY", "du texte (clé en base64 ou hexadécimal)", repr=False
    )
    queue_name: str = _env("docproc", "DOCPROC_QUEUE", "du texte")
    #: Where encrypted uploads live: ``local`` (``<data_dir>/files``, one machine) or
    #: ``database`` (the ``blobs`` table: API and workers on several hosts share PostgreSQL).
    storage_backend: Literal["local", "database"] = _env(
        "local", "DOCPROC_STORAGE_BACKEND", "« local » ou « database »"
    )
    #: Batch re-extractions (``POST /reextract``, ``docproc reextract``): dossiers launched per
    #: minute at most (0: no limit), and at most this many waiting or running at once.
    reextract_rate_per_min: float = _env(
        600.0, "DOCPROC_REEXTRACT_RATE", "un nombre de dossiers par minute (0 : sans limite)", ge=0
    )
    reextract_max_inflight: int = _env(100, "DOCPROC_REEXTRACT_INFLIGHT", "un entier ≥ 1", ge=1)
    #: Nice level of a worker's thread while it runs a batch job (0: same priority as uploads).
    batch_nice: int = _env(10, "DOCPROC_BATCH_NICE", "un entier de 0 à 19", ge=0, le=19)
    #: Largest accepted upload (2 Mo, the CSS form's limit).
    max_upload_bytes: int = Field(_Library.max_bytes, gt=0)
    #: RQ job timeout in seconds; a job running longer is failed with ``fichier.delai``.
    job_timeout_s: int = _env(120, "DOCPROC_JOB_TIMEOUT_S", "un entier de secondes", gt=0)
    #: Attempts before a job is failed for good (infrastructure retries and abandoned runs).
    max_attempts: int = _env(3, "DOCPROC_MAX_ATTEMPTS", "un entier ≥ 1", ge=1)
    #: First retry delay after an infrastructure fault; doubled at each attempt, capped at 60 s.
    retry_backoff_s: float = _env(2.0, "DOCPROC_RETRY_BACKOFF_S", "un nombre de secondes", ge=0)
    #: How often a worker refreshes the heartbeat of the job it runs (database column).
    heartbeat_s: float = _env(2.0, "DOCPROC_HEARTBEAT_S", "un nombre de secondes", gt=0)
    #: A started job whose heartbeat is older than this is abandoned (its worker died).
    stale_after_s: float = _env(20.0, "DOCPROC_STALE_AFTER_S", "un nombre de secondes", gt=0)
    #: How often one worker (a Redis lock elects it) runs the reconciler.
    reconcile_every_s: float = _env(5.0, "DOCPROC_RECONCILE_S", "un nombre de secondes", gt=0)
    #: A queued job missing from Redis for this long is enqueued again.
    requeue_lost_after_s: float = _env(
        10.0, "DOCPROC_REQUEUE_LOST_S", "un nombre de secondes", gt=0
    )
    #: How long RQ keeps finished / failed job hashes (ids only) in Redis; 0: a finished job's
    #: hash is deleted as soon as it ends (nothing of a deleted dossier is left behind).
    rq_result_ttl_s: int = _env(0, "DOCPROC_RQ_RESULT_TTL_S", "un entier de secondes", ge=0)
    rq_failure_ttl_s: int = _env(
        3 * 24 * 3600, "DOCPROC_RQ_FAILURE_TTL_S", "un entier de secondes", ge=0
    )
    #: A dossier holding images (OCR, seconds per page) is read once it has had no new upload
    #: for this long, so the pages of one avis sent as several photos are OCR'd once, together.
    coalesce_images_s: float = _env(0.5, "DOCPROC_COALESCE_S", "un nombre de secondes", ge=0)
    #: Address-space cap of a worker process in MiB (0: none), so a memory bomb raises
    #: MemoryError in the job instead of taking the machine down.
    worker_memory_mb: int = _env(
        3072, "DOCPROC_WORKER_MEMORY_MB", "un entier de Mio (0 : aucune limite)", ge=0
    )
    #: API processes (uvicorn workers; default 2, or 1 on a single core): one Python process
    #: tops out near 250 uploads/s on this project's 2-core machine.
    api_processes: int = _env(
        None, "DOCPROC_API_PROCESSES", "un entier ≥ 1", factory=lambda: min(2, os.cpu_count() or 1)
    )
    #: Log one line per HTTP request (method, path with ids, status); off by default.
    access_log: bool = _env(
        False, "DOCPROC_ACCESS_LOG", "un booléen (1, true, yes, on ou 0, false, no, off)"
    )
    #: Uploads are refused (503 ``service.no_worker``) and ``/healthz`` says ``degraded`` while
    #: no worker has beaten within ``worker_alive_s`` seconds (off: API-only deployments, benches).
    require_worker: bool = _env(
        True, "DOCPROC_REQUIRE_WORKER", "un booléen (1, true, yes, on ou 0, false, no, off)"
    )
    worker_alive_s: float = _env(10.0, "DOCPROC_WORKER_ALIVE_S", "un nombre de secondes > 0", gt=0)
    #: Slow and many clients (``service.httpguard``; README, Exploitation).
    #: A request's head must be complete this long after its first byte (slow headers: closed).
    http_header_timeout_s: float = _env(
        10.0, "DOCPROC_HTTP_HEADER_TIMEOUT_S", "un nombre de secondes > 0", gt=0
    )
    #: Longest wait for the next chunk of a request body (408 ``request.timeout``, connection closed).
    http_body_idle_timeout_s: float = _env(
        15.0, "DOCPROC_HTTP_BODY_IDLE_TIMEOUT_S", "un nombre de secondes > 0", gt=0
    )
    #: Longest time to receive a whole request body.
    http_body_timeout_s: float = _env(
        120.0, "DOCPROC_HTTP_BODY_TIMEOUT_S", "un nombre de secondes > 0", gt=0
    )
    #: Slowest average body rate (bytes/s) accepted once ``http_rate_grace_s`` have passed.
    http_min_upload_rate: int = _env(
        1024, "DOCPROC_HTTP_MIN_UPLOAD_RATE", "un entier d'octets par seconde", ge=0
    )
    #: Seconds of a body before its average rate is checked.
    http_rate_grace_s: float = _env(5.0, "DOCPROC_HTTP_RATE_GRACE_S", "un nombre de secondes", ge=0)
    #: An idle keep-alive connection is closed after this long (uvicorn ``timeout_keep_alive``).
    http_keep_alive_s: int = _env(5, "DOCPROC_HTTP_KEEP_ALIVE_S", "un entier de secondes > 0", gt=0)
    #: Open connections per API process; beyond, new ones are closed at once.
    http_max_connections: int = _env(1000, "DOCPROC_HTTP_MAX_CONNECTIONS", "un entier > 0", gt=0)
    #: Connections or requests in progress per API process beyond which uvicorn answers 503.
    http_limit_concurrency: int = _env(500, "DOCPROC_HTTP_LIMIT_CONCURRENCY", "un entier > 0", gt=0)
    #: Largest request head (h11 ``max_incomplete_event_size``); larger: 400.
    http_max_header_bytes: int = _env(
        16384, "DOCPROC_HTTP_MAX_HEADER_BYTES", "un entier d'octets > 0", gt=0
    )
    #: Listen backlog of the API socket.
    http_backlog: int = _env(2048, "DOCPROC_HTTP_BACKLOG", "un entier > 0", gt=0)
    #: Uploads received at once per API process; beyond, 503 ``service.busy`` with Retry-After.
    max_uploads: int = _env(128, "DOCPROC_MAX_UPLOADS", "un entier > 0", gt=0)
    #: Uploads received at once per API key and API process; beyond, 429 ``uploads.too_many``.
    max_uploads_per_key: int = _env(32, "DOCPROC_MAX_UPLOADS_PER_KEY", "un entier > 0", gt=0)

    @property
    def batch_queue_name(self) -> str:
        """The batch queue (re-extractions), served after ``queue_name`` (uploads) by every worker."""
        return f"{self.queue_name}-batch"

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def key_file(self) -> Path:
        return self.data_dir / "storage.key"


#: Field → environment variable (and the TOML key is the field's name), from the declaration.
ENV: dict[str, str] = {
    name: str(extra["env"])
    for name, info in ServiceSettings.model_fields.items()
    if isinstance(extra := info.json_schema_extra, dict)
}
_EXPECTED: dict[str, str] = {
    name: str(extra["expected"])
    for name, info in ServiceSettings.model_fields.items()
    if isinstance(extra := info.json_schema_extra, dict)
} | {"api_keys": "une liste « nom:rôle:clé »"}
SECRETS = frozenset({"storage_key"})


def _gather(
    env: dict[str, str], data_dir: Path | None
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """Raw values with their origin: ``--data-dir``, then environment, then TOML file, then defaults."""
    check_environment(env)
    file_values: dict[str, Any] = {}
    settings_file = env.get("DOCPROC_SETTINGS_FILE")
    if settings_file:
        try:
            with open(settings_file, "rb") as fh:
                file_values = tomllib.load(fh)
        except OSError as exc:
            raise SettingsError(
                f"DOCPROC_SETTINGS_FILE : fichier « {settings_file} » illisible"
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(
                f"DOCPROC_SETTINGS_FILE : « {settings_file} » n'est pas du TOML valide ({exc})"
            ) from exc
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    allowed = set(ENV) | {"api_keys"}
    unknown = sorted(set(file_values) - allowed)
    if unknown:
        import difflib

        parts = []
        for key in unknown:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            parts.append(
                f"clé « {key} » inconnue"
                + (f" ; vouliez-vous dire « {close[0]} » ?" if close else "")
            )
        raise SettingsError(f"fichier de réglages {settings_file} : " + " ; ".join(parts))
    for key, value in file_values.items():
        values[key] = value
        origins[key] = f"fichier {settings_file}"
    for key, name in ENV.items():
        if env.get(name, "").strip():
            values[key] = env[name].strip()
            origins[key] = f"environnement ({name})"
    if data_dir is not None:
        values["data_dir"] = data_dir
        origins["data_dir"] = "option --data-dir"
    return values, origins, file_values


def _validate(
    values: dict[str, Any], origins: dict[str, str], settings_file: str | None
) -> ServiceSettings:
    from pydantic import ValidationError

    names = {
        key: (ENV[key] if origins.get(key, "").startswith("environnement") else f"clé « {key} »")
        for key in [*ENV, "api_keys"]
    }
    checked = {k: v for k, v in values.items() if k != "api_keys"}  # parse_api_keys reads them
    try:
        return ServiceSettings(**checked)
    except ValidationError as exc:
        where = f" (fichier de réglages {settings_file})" if settings_file else ""
        raise SettingsError(french_errors(exc, names, _EXPECTED, values) + where) from None


def load_settings(
    env: dict[str, str] | None = None, data_dir: Path | None = None
) -> ServiceSettings:
    """Read the settings; ``data_dir`` (from ``docproc up --data-dir``) beats the environment."""
    env = dict(os.environ if env is None else env)
    values, origins, file_values = _gather(env, data_dir)
    model = _validate(values, origins, env.get("DOCPROC_SETTINGS_FILE"))
    root = Path(model.data_dir).resolve()

    keys: tuple[ApiKey, ...] = ()
    if env.get("DOCPROC_API_KEYS"):
        keys = parse_api_keys(env["DOCPROC_API_KEYS"], "DOCPROC_API_KEYS")
    elif env.get("DOCPROC_API_KEYS_FILE"):
        keys = keys_from_file(Path(env["DOCPROC_API_KEYS_FILE"]), "DOCPROC_API_KEYS_FILE")
    elif "api_keys" in file_values:
        keys = parse_api_keys(file_values["api_keys"], "clé « api_keys » du fichier de réglages")
    elif (root / "api_keys").is_file():
        keys = keys_from_file(root / "api_keys", "api_keys")

    return model.model_copy(
        update={
            "data_dir": root,
            "database_url": model.database_url or f"sqlite:///{root / 'docproc.sqlite3'}",
            "api_keys": keys,
            # DOCPROC_MAX_BYTES, the library's setting: one limit for the API and the pipeline.
            "max_upload_bytes": _pipeline_settings(env).max_bytes,
            "api_processes": max(1, model.api_processes),
        }
    )


def _mask_url(url: str) -> str:
    """``scheme://user:secret@host`` → ``scheme://user:***@host``."""
    import re

    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def describe(
    env: dict[str, str] | None = None, data_dir: Path | None = None
) -> list[dict[str, Any]]:
    """Each service setting, its effective value (secrets masked) and where it came from."""
    env = dict(os.environ if env is None else env)
    _values, origins, _file = _gather(env, data_dir)
    settings = load_settings(env, data_dir)
    rows: list[dict[str, Any]] = []
    for key, name in ENV.items():
        value: Any = getattr(settings, key)
        if key in SECRETS and value:
            value = "*** (masqué)"
        elif key in ("database_url", "redis_url") and isinstance(value, str):
            value = _mask_url(value)
        rows.append(
            {
                "section": "service",
                "name": name,
                "key": key,
                "value": value,
                "origin": origins.get(key, "défaut"),
            }
        )
    key_origin = (
        "environnement (DOCPROC_API_KEYS)"
        if env.get("DOCPROC_API_KEYS")
        else "environnement (DOCPROC_API_KEYS_FILE)"
        if env.get("DOCPROC_API_KEYS_FILE")
        else origins.get("api_keys")
        or ("fichier api_keys du dossier de données" if settings.api_keys else "aucune")
    )
    rows.append(
        {
            "section": "service",
            "name": "DOCPROC_API_KEYS",
            "key": "api_keys",
            "value": ", ".join(f"{k.name}:{k.role}:***" for k in settings.api_keys) or "—",
            "origin": key_origin,
        }
    )
    rows.append(
        {
            "section": "service",
            "name": "DOCPROC_MAX_BYTES",
            "key": "max_upload_bytes",
            "value": settings.max_upload_bytes,
            "origin": "environnement (DOCPROC_MAX_BYTES)"
            if env.get("DOCPROC_MAX_BYTES", "").strip()
            else "défaut",
        }
    )
    return rows
