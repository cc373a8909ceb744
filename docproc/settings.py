"""Limits and switches of the library, each documented, read from ``DOCPROC_*`` variables.

Values are checked by a typed pydantic model (``extra="forbid"``): a malformed value is refused
with a French message naming the variable and the expected type, never replaced by the default
in silence. pydantic is imported only when a variable is set, so a bare ``docproc extract``
starts fast (issue 14: cold start).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """A setting is malformed or unknown; the message names it, never a secret value."""


_TYPE_FR = {
    "int": "un entier",
    "float": "un nombre",
    "bool": "un booléen (1/0, true/false, oui/non… : 1, true, yes, on ou 0, false, no, off)",
    "str": "du texte",
    "path": "un chemin",
}


def _setting(
    default: Any, env: str, expected: str, *, gt: int | None = 0, label: str | None = None
) -> Any:
    """One setting: its default, its variable, the French words for its type and its bound.

    The only declaration of a library setting: the typed check (pydantic, on demand), the
    variable names, the French errors and ``docproc settings`` are all derived from it.
    """
    return field(
        default=default, metadata={"env": env, "expected": expected, "gt": gt, "label": label}
    )


_POSITIVE = "un entier positif"


@dataclass(frozen=True)
class Settings:
    """The library's limits and switches; each field is declared once, here (``_setting``)."""

    #: Largest accepted upload, in bytes (2 Mo, the CSS form's limit); every message about the
    #: size limit is built from it (``docproc.errors.size_message``).
    max_bytes: int = _setting(
        2 * 1024 * 1024,
        "DOCPROC_MAX_BYTES",
        "un entier d'octets (ex. 3145728 pour 3 Mio ; pas d'unité)",
    )
    #: Most pages read from one PDF (a 4-page avis, with room for ASDIR and attachments).
    max_pages: int = _setting(10, "DOCPROC_MAX_PAGES", _POSITIVE)
    #: Most pixels decoded from one image (a 12 Mpx phone photo passes; bombs do not).
    max_image_pixels: int = _setting(
        40_000_000, "DOCPROC_MAX_IMAGE_PIXELS", "un entier positif (pixels)"
    )
    #: Most frames read from a multi-page TIFF.
    max_frames: int = _setting(10, "DOCPROC_MAX_FRAMES", _POSITIVE)
    #: Extra folders of document specs (``*.toml``), read after ``docproc/specs``: a new kind
    #: can live outside the package (``DOCPROC_SPEC_DIRS``, separated by ``os.pathsep``).
    spec_dirs: tuple[Path, ...] = _setting(
        (), "DOCPROC_SPEC_DIRS", f"des chemins de dossiers séparés par « {os.pathsep} »", gt=None
    )
    #: Lire chaque fichier (décodage, rendu, texte, OCR) dans un processus bac à sable, limité
    #: en mémoire, en temps de calcul et en durée ; 0 : dans le processus courant (débogage).
    sandbox: bool = _setting(
        True,
        "DOCPROC_SANDBOX",
        _TYPE_FR["bool"],
        gt=None,
        label="Lire chaque fichier dans un processus bac à sable",
    )
    #: Espace d'adresses maximal du bac à sable, en Mio (RLIMIT_AS) : une bombe mémoire y
    #: échoue au lieu d'emporter le processus appelant.
    sandbox_memory_mb: int = _setting(
        2048,
        "DOCPROC_SANDBOX_MEMORY_MB",
        "un entier positif de Mio",
        label="Espace d'adresses maximal du bac à sable (Mio)",
    )
    #: Temps de calcul maximal pour un fichier dans le bac à sable, en secondes (RLIMIT_CPU).
    sandbox_cpu_s: int = _setting(
        120,
        "DOCPROC_SANDBOX_CPU_S",
        "un entier positif de secondes",
        label="Temps de calcul maximal par fichier (secondes)",
    )
    #: Durée maximale de lecture d'un fichier, en secondes (horloge murale) ; au-delà le bac à
    #: sable est arrêté et le fichier refusé (``fichier.ressources``).
    sandbox_timeout_s: float = _setting(
        90.0,
        "DOCPROC_SANDBOX_TIMEOUT_S",
        "un nombre positif de secondes",
        label="Durée maximale de lecture d'un fichier (secondes)",
    )
    #: Opérateurs de contenu au plus par page d'un PDF, formulaires (XObjects) dépliés compris.
    pdf_max_operators: int = _setting(
        1_000_000,
        "DOCPROC_PDF_MAX_OPERATORS",
        _POSITIVE,
        label="Opérateurs de contenu au plus par page, formulaires dépliés",
    )
    #: Profondeur maximale d'imbrication des formulaires (Form XObjects) d'un PDF.
    pdf_max_xobject_depth: int = _setting(
        12,
        "DOCPROC_PDF_MAX_XOBJECT_DEPTH",
        _POSITIVE,
        label="Profondeur maximale des formulaires imbriqués",
    )
    #: Taille décompressée maximale d'un flux d'un PDF, en octets.
    pdf_max_stream_bytes: int = _setting(
        32 * 1024 * 1024,
        "DOCPROC_PDF_MAX_STREAM_BYTES",
        "un entier positif d'octets",
        label="Taille décompressée maximale d'un flux (octets)",
    )
    #: Taille décompressée maximale de tous les flux d'un PDF ensemble, en octets.
    pdf_max_decoded_bytes: int = _setting(
        128 * 1024 * 1024,
        "DOCPROC_PDF_MAX_DECODED_BYTES",
        "un entier positif d'octets",
        label="Taille décompressée maximale de tous les flux (octets)",
    )
    #: Objets au plus dans un PDF.
    pdf_max_objects: int = _setting(
        50_000, "DOCPROC_PDF_MAX_OBJECTS", _POSITIVE, label="Objets au plus dans un PDF"
    )


#: Field → environment variable (derived from the declaration).
ENV: dict[str, str] = {f.name: f.metadata["env"] for f in fields(Settings)}
#: Field → the French words for its expected value (derived from the declaration).
_EXPECTED: dict[str, str] = {f.name: f.metadata["expected"] for f in fields(Settings)}

#: Every ``DOCPROC_*`` variable the project reads (library, service, OCR, trust, the tests' hook).
#: Any other one is a typo and refused (``check_environment``).
KNOWN_ENV: frozenset[str] = frozenset(
    {
        *ENV.values(),
        "DOCPROC_TRUST_TEST_2DDOC",
        "DOCPROC_TRUST_DIR",
        "DOCPROC_OCR_THREADS",
        "DOCPROC_OCR_PAGE_TIMEOUT",
        "DOCPROC_TESSDATA",
        "DOCPROC_SETTINGS_FILE",
        "DOCPROC_DATA_DIR",
        "DOCPROC_API_KEYS",
        "DOCPROC_API_KEYS_FILE",
        "DOCPROC_STORAGE_KEY",
        "DOCPROC_QUEUE",
        "DOCPROC_JOB_TIMEOUT_S",
        "DOCPROC_MAX_ATTEMPTS",
        "DOCPROC_RETRY_BACKOFF_S",
        "DOCPROC_HEARTBEAT_S",
        "DOCPROC_STALE_AFTER_S",
        "DOCPROC_RECONCILE_S",
        "DOCPROC_REQUEUE_LOST_S",
        "DOCPROC_COALESCE_S",
        "DOCPROC_WORKER_MEMORY_MB",
        "DOCPROC_API_PROCESSES",
        "DOCPROC_ACCESS_LOG",
        "DOCPROC_TEST_HOOK",  # the tests' hook file (service/hooks.py), unset in production
        "DOCPROC_RQ_RESULT_TTL_S",
        "DOCPROC_RQ_FAILURE_TTL_S",
        # The service under slow clients and its supervisor (issue 12, points 4 and 5).
        "DOCPROC_REQUIRE_WORKER",
        "DOCPROC_WORKER_ALIVE_S",
        "DOCPROC_PARENT_PID",
        "DOCPROC_HTTP_HEADER_TIMEOUT_S",
        "DOCPROC_HTTP_BODY_IDLE_TIMEOUT_S",
        "DOCPROC_HTTP_BODY_TIMEOUT_S",
        "DOCPROC_HTTP_MIN_UPLOAD_RATE",
        "DOCPROC_HTTP_RATE_GRACE_S",
        "DOCPROC_HTTP_KEEP_ALIVE_S",
        "DOCPROC_HTTP_MAX_CONNECTIONS",
        "DOCPROC_HTTP_LIMIT_CONCURRENCY",
        "DOCPROC_HTTP_MAX_HEADER_BYTES",
        "DOCPROC_HTTP_BACKLOG",
        "DOCPROC_MAX_UPLOADS",
        "DOCPROC_MAX_UPLOADS_PER_KEY",
        "DOCPROC_STORAGE_BACKEND",
        "DOCPROC_REEXTRACT_RATE",
        "DOCPROC_REEXTRACT_INFLIGHT",
        "DOCPROC_BATCH_NICE",
    }
)


def expected_type_fr(annotation: Any) -> str:
    name = getattr(annotation, "__name__", str(annotation)).lower()
    if "path" in name:
        return _TYPE_FR["path"]
    for key, text in _TYPE_FR.items():
        if name.startswith(key):
            return text
    return str(annotation)


def french_errors(
    exc: Any, names: dict[str, str], types: dict[str, str], values: dict[str, Any]
) -> str:
    """A pydantic ValidationError in French: each key, the value given, the type expected."""
    out = []
    for err in exc.errors():
        key = str(err["loc"][0]) if err.get("loc") else "?"
        label = names.get(key, key)
        if err["type"] == "extra_forbidden":
            import difflib  # only to word an error (start-up time)

            close = difflib.get_close_matches(key, list(types), n=1)
            hint = f" ; vouliez-vous dire « {names.get(close[0], close[0])} » ?" if close else ""
            out.append(f"{label} : réglage inconnu{hint}")
        elif err["type"] in ("greater_than", "greater_than_equal"):
            out.append(f"{label} : « {values.get(key)} » doit être strictement positif")
        else:
            out.append(
                f"{label} : valeur « {values.get(key)} » invalide, attendu {types.get(key, 'autre chose')}"
            )
    return " ; ".join(out)


def check_environment(env: dict[str, str] | None = None) -> None:
    """Refuse an unknown ``DOCPROC_*`` variable (a typo would otherwise be silently ignored)."""
    env = dict(os.environ if env is None else env)
    unknown = sorted(k for k in env if k.startswith("DOCPROC_") and k not in KNOWN_ENV)
    if unknown:
        parts = []
        import difflib  # only to word an error (start-up time)

        for name in unknown:
            close = difflib.get_close_matches(name, sorted(KNOWN_ENV), n=1)
            parts.append(
                f"{name} : variable inconnue"
                + (f" ; vouliez-vous dire {close[0]} ?" if close else "")
            )
        raise SettingsError(" ; ".join(parts))


@cache
def _model() -> Any:
    """The typed model of the library's settings (pydantic, imported on demand), built from
    the declaration of :class:`Settings`: the same names, types, defaults and bounds."""
    from typing import get_type_hints

    from pydantic import ConfigDict, Field, create_model, field_validator

    hints = get_type_hints(Settings)
    definitions: dict[str, Any] = {}
    for f in fields(Settings):
        bound = {} if f.metadata["gt"] is None else {"gt": f.metadata["gt"]}
        definitions[f.name] = (
            hints[f.name],
            Field(f.default, description=f.metadata["label"], **bound),
        )

    def split(value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part for part in value.split(os.pathsep) if part.strip())
        return value

    return create_model(
        "LibrarySettings",
        __config__=ConfigDict(extra="forbid", frozen=True),
        __validators__={"_split": field_validator("spec_dirs", mode="before")(split)},
        **definitions,
    )


def _types() -> dict[str, str]:
    return dict(_EXPECTED)


def _raw(env: dict[str, str] | os._Environ[str]) -> tuple[tuple[str, str], ...]:
    return tuple((key, env[name]) for key, name in ENV.items() if env.get(name, "").strip())


@cache
def _validated(raw: tuple[tuple[str, str], ...]) -> Settings:
    if not raw:
        return Settings()
    from pydantic import ValidationError

    values = dict(raw)
    try:
        model = _model()(**values)
    except ValidationError as exc:
        raise SettingsError(french_errors(exc, ENV, _types(), values)) from None
    return Settings(**model.model_dump())


def get_settings(env: dict[str, str] | None = None) -> Settings:
    """The library settings from ``env`` (default: the process's environment, read at each
    call), validated once per value."""
    return _validated(_raw(os.environ if env is None else env))


def describe(env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Each library setting, its effective value and its origin (for ``docproc settings``)."""
    source = dict(os.environ if env is None else env)
    current = _validated(_raw(source))
    rows = []
    for f in fields(Settings):
        name = ENV[f.name]
        value = getattr(current, f.name)
        if isinstance(value, tuple):
            value = os.pathsep.join(str(p) for p in value)
        rows.append(
            {
                "section": "bibliothèque",
                "name": name,
                "value": value,
                "origin": f"environnement ({name})" if source.get(name, "").strip() else "défaut",
            }
        )
    test_key = source.get("DOCPROC_TRUST_TEST_2DDOC", "")
    rows.append(
        {
            "section": "bibliothèque",
            "name": "DOCPROC_TRUST_TEST_2DDOC",
            "value": test_key == "1",
            "origin": "environnement (DOCPROC_TRUST_TEST_2DDOC)" if test_key else "défaut",
        }
    )
    return rows
