"""Service settings: environment first, then an optional TOML settings file, then defaults.

Every tunable is a documented field (rq ``defaults.py`` style), checked by one typed
pydantic-settings model with ``extra="forbid"``: an unknown TOML key or ``DOCPROC_*`` variable,
or a value of the wrong type, is refused with a French message naming the key and the type
expected. Secrets (API keys, the storage key) are read from the environment or from files with
0600 permissions in the data directory, never from the repository.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from docproc.settings import SettingsError, check_environment, french_errors
from docproc.settings import get_settings as _pipeline_settings

__all__ = [
    "ROLES",
    "ApiKey",
    "Role",
    "ServiceSettings",
    "SettingsError",
    "describe",
    "load_settings",
    "parse_api_keys",
]

Role = Literal["pipeline", "agent", "qa"]
ROLES: tuple[Role, ...] = ("pipeline", "agent", "qa")


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
    #: Where encrypted uploads live: ``local`` (``<data_dir>/files``, one machine) or
    #: ``database`` (the ``blobs`` table: API and workers on several hosts share PostgreSQL).
    storage_backend: Literal["local", "database"] = "local"
    #: Batch re-extractions (``POST /reextract``, ``docproc reextract``): dossiers launched per
    #: minute at most (0: no limit), and at most this many waiting or running at once.
    reextract_rate_per_min: float = 600.0
    reextract_max_inflight: int = 100
    #: Nice level of a worker's thread while it runs a batch job (0: same priority as uploads).
    batch_nice: int = 10
    #: Largest accepted upload (2 Mo, the CSS form's limit).
    max_upload_bytes: int = 2 * 1024 * 1024
    #: RQ job timeout in seconds; a job running longer is failed with ``fichier.delai``.
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
    #: How long RQ keeps finished / failed job hashes (ids only) in Redis; 0: a finished job's
    #: hash is deleted as soon as it ends (nothing of a deleted dossier is left behind).
    rq_result_ttl_s: int = 0
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
    #: Uploads are refused (503 ``service.no_worker``) and ``/healthz`` says ``degraded`` while
    #: no worker has beaten within ``worker_alive_s`` seconds (off: API-only deployments, benches).
    require_worker: bool = True
    worker_alive_s: float = 10.0
    #: Slow and many clients (``service.httpguard``; README, Exploitation).
    #: A request's head must be complete this long after its first byte (slow headers: closed).
    http_header_timeout_s: float = 10.0
    #: Longest wait for the next chunk of a request body (408 ``request.timeout``, connection closed).
    http_body_idle_timeout_s: float = 15.0
    #: Longest time to receive a whole request body.
    http_body_timeout_s: float = 120.0
    #: Slowest average body rate (bytes/s) accepted once ``http_rate_grace_s`` have passed.
    http_min_upload_rate: int = 1024
    #: Seconds of a body before its average rate is checked.
    http_rate_grace_s: float = 5.0
    #: An idle keep-alive connection is closed after this long (uvicorn ``timeout_keep_alive``).
    http_keep_alive_s: int = 5
    #: Open connections per API process; beyond, new ones are closed at once.
    http_max_connections: int = 1000
    #: Connections or requests in progress per API process beyond which uvicorn answers 503.
    http_limit_concurrency: int = 500
    #: Largest request head (h11 ``max_incomplete_event_size``); larger: 400.
    http_max_header_bytes: int = 16384
    #: Listen backlog of the API socket.
    http_backlog: int = 2048
    #: Uploads received at once per API process; beyond, 503 ``service.busy`` with Retry-After.
    max_uploads: int = 128
    #: Uploads received at once per API key and API process; beyond, 429 ``uploads.too_many``.
    max_uploads_per_key: int = 32

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
                raise SettingsError(
                    f"{source} : entrée n° {len(keys) + 1} invalide (attendu nom:rôle:clé)"
                )
            name, role, key = (p.strip() for p in parts)
        if role not in ROLES:
            raise SettingsError(f"{source} : rôle inconnu pour « {name} » (pipeline, agent ou qa)")
        if not name or len(key) < 16:
            raise SettingsError(
                f"{source} : la clé de « {name} » doit faire au moins 16 caractères"
            )
        keys.append(ApiKey(name=name, role=role, key=key))
    names = [k.name for k in keys]
    if len(set(names)) != len(names) or len({k.key for k in keys}) != len(keys):
        raise SettingsError(f"{source} : noms ou clés en double")
    return tuple(keys)


#: Field → environment variable (and the TOML key is the field's name).
ENV: dict[str, str] = {
    "data_dir": "DOCPROC_DATA_DIR",
    "database_url": "DATABASE_URL",
    "redis_url": "REDIS_URL",
    "storage_key": "DOCPROC_STORAGE_KEY",
    "queue_name": "DOCPROC_QUEUE",
    "storage_backend": "DOCPROC_STORAGE_BACKEND",
    "reextract_rate_per_min": "DOCPROC_REEXTRACT_RATE",
    "reextract_max_inflight": "DOCPROC_REEXTRACT_INFLIGHT",
    "batch_nice": "DOCPROC_BATCH_NICE",
    "job_timeout_s": "DOCPROC_JOB_TIMEOUT_S",
    "max_attempts": "DOCPROC_MAX_ATTEMPTS",
    "retry_backoff_s": "DOCPROC_RETRY_BACKOFF_S",
    "heartbeat_s": "DOCPROC_HEARTBEAT_S",
    "stale_after_s": "DOCPROC_STALE_AFTER_S",
    "reconcile_every_s": "DOCPROC_RECONCILE_S",
    "requeue_lost_after_s": "DOCPROC_REQUEUE_LOST_S",
    "rq_result_ttl_s": "DOCPROC_RQ_RESULT_TTL_S",
    "rq_failure_ttl_s": "DOCPROC_RQ_FAILURE_TTL_S",
    "coalesce_images_s": "DOCPROC_COALESCE_S",
    "worker_memory_mb": "DOCPROC_WORKER_MEMORY_MB",
    "api_processes": "DOCPROC_API_PROCESSES",
    "access_log": "DOCPROC_ACCESS_LOG",
    "require_worker": "DOCPROC_REQUIRE_WORKER",
    "worker_alive_s": "DOCPROC_WORKER_ALIVE_S",
    "http_header_timeout_s": "DOCPROC_HTTP_HEADER_TIMEOUT_S",
    "http_body_idle_timeout_s": "DOCPROC_HTTP_BODY_IDLE_TIMEOUT_S",
    "http_body_timeout_s": "DOCPROC_HTTP_BODY_TIMEOUT_S",
    "http_min_upload_rate": "DOCPROC_HTTP_MIN_UPLOAD_RATE",
    "http_rate_grace_s": "DOCPROC_HTTP_RATE_GRACE_S",
    "http_keep_alive_s": "DOCPROC_HTTP_KEEP_ALIVE_S",
    "http_max_connections": "DOCPROC_HTTP_MAX_CONNECTIONS",
    "http_limit_concurrency": "DOCPROC_HTTP_LIMIT_CONCURRENCY",
    "http_max_header_bytes": "DOCPROC_HTTP_MAX_HEADER_BYTES",
    "http_backlog": "DOCPROC_HTTP_BACKLOG",
    "max_uploads": "DOCPROC_MAX_UPLOADS",
    "max_uploads_per_key": "DOCPROC_MAX_UPLOADS_PER_KEY",
}
SECRETS = frozenset({"storage_key"})

_EXPECTED = {
    "data_dir": "un chemin de dossier",
    "database_url": "une URL SQLAlchemy",
    "redis_url": "une URL Redis",
    "storage_key": "du texte (clé en base64 ou hexadécimal)",
    "queue_name": "du texte",
    "storage_backend": "« local » ou « database »",
    "reextract_rate_per_min": "un nombre de dossiers par minute (0 : sans limite)",
    "reextract_max_inflight": "un entier ≥ 1",
    "batch_nice": "un entier de 0 à 19",
    "job_timeout_s": "un entier de secondes",
    "max_attempts": "un entier ≥ 1",
    "retry_backoff_s": "un nombre de secondes",
    "heartbeat_s": "un nombre de secondes",
    "stale_after_s": "un nombre de secondes",
    "reconcile_every_s": "un nombre de secondes",
    "requeue_lost_after_s": "un nombre de secondes",
    "rq_result_ttl_s": "un entier de secondes",
    "rq_failure_ttl_s": "un entier de secondes",
    "coalesce_images_s": "un nombre de secondes",
    "worker_memory_mb": "un entier de Mio (0 : aucune limite)",
    "api_processes": "un entier ≥ 1",
    "access_log": "un booléen (1, true, yes, on ou 0, false, no, off)",
    "require_worker": "un booléen (1, true, yes, on ou 0, false, no, off)",
    "worker_alive_s": "un nombre de secondes > 0",
    "http_header_timeout_s": "un nombre de secondes > 0",
    "http_body_idle_timeout_s": "un nombre de secondes > 0",
    "http_body_timeout_s": "un nombre de secondes > 0",
    "http_min_upload_rate": "un entier d'octets par seconde",
    "http_rate_grace_s": "un nombre de secondes",
    "http_keep_alive_s": "un entier de secondes > 0",
    "http_max_connections": "un entier > 0",
    "http_limit_concurrency": "un entier > 0",
    "http_max_header_bytes": "un entier d'octets > 0",
    "http_backlog": "un entier > 0",
    "max_uploads": "un entier > 0",
    "max_uploads_per_key": "un entier > 0",
    "api_keys": "une liste « nom:rôle:clé »",
}


def _model() -> Any:
    """The typed model of the service settings (pydantic-settings; values passed explicitly)."""
    from pydantic import Field
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class ServiceModel(BaseSettings):
        model_config = SettingsConfigDict(extra="forbid", frozen=True)

        @classmethod
        def settings_customise_sources(
            cls, settings_cls: Any, init_settings: Any, *_sources: Any, **_named: Any
        ) -> tuple[Any, ...]:
            return (init_settings,)  # environment and file are read by load_settings, with origins

        data_dir: Path = Path("var")
        database_url: str | None = None
        redis_url: str = "redis://127.0.0.1:6379/0"
        storage_key: str | None = None
        queue_name: str = "docproc"
        storage_backend: Literal["local", "database"] = "local"
        reextract_rate_per_min: float = Field(600.0, ge=0)
        reextract_max_inflight: int = Field(100, ge=1)
        batch_nice: int = Field(10, ge=0, le=19)
        job_timeout_s: int = Field(120, gt=0)
        max_attempts: int = Field(3, ge=1)
        retry_backoff_s: float = Field(2.0, ge=0)
        heartbeat_s: float = Field(2.0, gt=0)
        stale_after_s: float = Field(20.0, gt=0)
        reconcile_every_s: float = Field(5.0, gt=0)
        requeue_lost_after_s: float = Field(10.0, gt=0)
        rq_result_ttl_s: int = Field(0, ge=0)
        rq_failure_ttl_s: int = Field(3 * 24 * 3600, ge=0)
        coalesce_images_s: float = Field(0.5, ge=0)
        worker_memory_mb: int = Field(3072, ge=0)
        api_processes: int = Field(default_factory=lambda: min(2, os.cpu_count() or 1))
        access_log: bool = False
        require_worker: bool = True
        worker_alive_s: float = Field(10.0, gt=0)
        http_header_timeout_s: float = Field(10.0, gt=0)
        http_body_idle_timeout_s: float = Field(15.0, gt=0)
        http_body_timeout_s: float = Field(120.0, gt=0)
        http_min_upload_rate: int = Field(1024, ge=0)
        http_rate_grace_s: float = Field(5.0, ge=0)
        http_keep_alive_s: int = Field(5, gt=0)
        http_max_connections: int = Field(1000, gt=0)
        http_limit_concurrency: int = Field(500, gt=0)
        http_max_header_bytes: int = Field(16384, gt=0)
        http_backlog: int = Field(2048, gt=0)
        max_uploads: int = Field(128, gt=0)
        max_uploads_per_key: int = Field(32, gt=0)
        api_keys: str | list[Any] | None = None

    return ServiceModel


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


def _validate(values: dict[str, Any], origins: dict[str, str], settings_file: str | None) -> Any:
    from pydantic import ValidationError

    names = {
        key: (ENV[key] if origins.get(key, "").startswith("environnement") else f"clé « {key} »")
        for key in [*ENV, "api_keys"]
    }
    try:
        return _model()(**values)
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
    database_url = model.database_url or f"sqlite:///{root / 'docproc.sqlite3'}"

    keys: tuple[ApiKey, ...] = ()
    if env.get("DOCPROC_API_KEYS"):
        keys = parse_api_keys(env["DOCPROC_API_KEYS"], "DOCPROC_API_KEYS")
    elif env.get("DOCPROC_API_KEYS_FILE"):
        keys = _keys_from_file(Path(env["DOCPROC_API_KEYS_FILE"]), "DOCPROC_API_KEYS_FILE")
    elif "api_keys" in file_values:
        keys = parse_api_keys(file_values["api_keys"], "fichier de réglages")
    elif (root / "api_keys").is_file():
        keys = _keys_from_file(root / "api_keys", "api_keys")

    pipeline = _pipeline_settings(env)
    dumped = model.model_dump()
    for key in ("data_dir", "database_url", "api_keys", "api_processes"):
        dumped.pop(key)
    return ServiceSettings(
        data_dir=root,
        database_url=database_url,
        api_keys=keys,
        max_upload_bytes=pipeline.max_bytes,
        api_processes=max(1, model.api_processes),
        **dumped,
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


def _keys_from_file(path: Path, source: str) -> tuple[ApiKey, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"{source} illisible") from exc
    return parse_api_keys(text, source)
