"""One strict reader for the project's TOML files: document specs and eligibility barèmes.

A file is read and parsed once (:func:`read_file`); its tables are then read through
:class:`Table`, which names the file and the key in every error and refuses unknown keys,
either against an explicit list (:meth:`Table.only`) or, once the table has been read, every key
that was not (:meth:`Table.done`): a misspelt key is an error, never a default taken silently.

The exception is the caller's (``SpecError``, ``BaremeError``…): each file comes with an
``error`` function ``(key path, problem) -> exception`` that words it. Messages are French,
like every message of the project.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import os
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

#: ``(key path, problem) -> exception``; the key path is "" for the whole file.
ErrorFactory = Callable[[str, str], Exception]


def parse(text: str, error: ErrorFactory) -> dict[str, Any]:
    """The TOML document ``text``; a syntax error is the caller's error, on the whole file."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error("", f"TOML invalide ({exc})") from exc


def read_file(path: Path, error: ErrorFactory, *, cache: bool = False) -> dict[str, Any]:
    """The TOML file at ``path``, parsed; an unreadable file is the caller's error.

    With ``cache``, the parsed document is kept next to the file as Python keeps byte-code
    (``__pycache__``, or under ``PYTHONPYCACHEPREFIX``; nothing written under
    ``PYTHONDONTWRITEBYTECODE``), keyed by the file's content: parsing the specs costs a process
    as much as importing PDFium, reading the cache a fraction of a millisecond. Only the parse is
    cached: everything read from the document is validated again by the caller.
    """
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error("", f"fichier illisible ({exc})") from exc
    if not cache:
        return parse(text, error)
    digest = hashlib.sha256(raw).digest()
    where = _cache_path(path)
    found = _cache_read(where, digest)
    if found is not None:
        return found
    document = parse(text, error)
    _cache_write(where, digest, document)
    return document


def _cache_path(path: Path) -> Path:
    name = f"{path.name}.{sys.implementation.cache_tag}.marshal"
    if sys.pycache_prefix:
        folder = Path(sys.pycache_prefix) / path.resolve().parent.relative_to(path.resolve().anchor)
        return folder / name
    return path.parent / "__pycache__" / name


def _cache_read(where: Path, digest: bytes) -> dict[str, Any] | None:
    try:
        stored = marshal.loads(where.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if (
        isinstance(stored, tuple)
        and len(stored) == 2
        and stored[0] == digest
        and isinstance(stored[1], dict)
    ):
        return stored[1]
    return None


def _cache_write(where: Path, digest: bytes, document: dict[str, Any]) -> None:
    if sys.dont_write_bytecode:
        return
    try:
        data = marshal.dumps((digest, document))  # ValueError for dates: such files are not kept
        where.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=where.parent, prefix=f".{where.name}.")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, where)  # atomic: a concurrent reader sees the old or the new file
    except (OSError, ValueError):
        return


def decimal_of(value: int | float) -> Decimal:
    """A TOML number as a ``Decimal`` without binary artefacts (0.1 stays 0.1)."""
    return Decimal(str(value))


class Table:
    """A TOML table at ``path`` (``"revalorisation[0].metropole"``) of a file, read strictly."""

    def __init__(self, data: Any, error: ErrorFactory, path: str = "") -> None:
        if not isinstance(data, dict):
            raise error(path, "table attendue")
        self.data: dict[str, Any] = data
        self.path = path
        self._error = error
        self._read: set[str] = set()

    # -- keys and errors ------------------------------------------------------------------

    def at(self, key: str) -> str:
        """The path of ``key`` in the file."""
        return f"{self.path}.{key}" if self.path else key

    def error(self, problem: str, key: str | None = None) -> Exception:
        """The caller's exception for ``problem`` at ``key`` (or at this table)."""
        return self._error(self.at(key) if key is not None else self.path, problem)

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def only(self, allowed: Iterable[str], required: Iterable[str] = ()) -> Table:
        """Refuse keys outside ``allowed`` and require those of ``required``."""
        unknown = set(self.data) - set(allowed)
        if unknown:
            raise self.error(f"clés inconnues {sorted(unknown)}")
        missing = set(required) - set(self.data)
        if missing:
            raise self.error(f"{', '.join(sorted(missing))} requis")
        return self

    def done(self) -> None:
        """Refuse every key that was not read: the reading code is the schema."""
        unknown = set(self.data) - self._read
        if unknown:
            raise self.error(f"clés inconnues {sorted(unknown)}")

    # -- values ---------------------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        """The raw value (marked as read)."""
        self._read.add(key)
        return self.data.get(key, default)

    def table(self, key: str) -> Table:
        value = self.get(key)
        if not isinstance(value, dict):
            raise self.error("table absente", key)
        return Table(value, self._error, self.at(key))

    def tables(self, key: str, allow_empty: bool = False) -> list[Table]:
        """An array of tables (``[[key]]``), each at ``key[i]``."""
        value = self.get(key)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error("liste de tables absente", key)
        if not value and not allow_empty:
            raise self.error("liste vide", key)
        return [Table(v, self._error, f"{self.at(key)}[{i}]") for i, v in enumerate(value)]

    def items(self, key: str) -> list[tuple[str, Table]]:
        """A table of tables (``[key.name]``), each at ``key.name``."""
        parent = self.table(key)
        return [(name, parent.table(name)) for name in list(parent.data)]

    def text(self, key: str) -> str:
        value = self.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error("texte non vide attendu", key)
        return value.strip()

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if key in self.data else self.get(key)

    def boolean(self, key: str, default: bool | None = None) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self.error("booléen attendu (true ou false)", key)
        return value

    def integer(self, key: str, minimum: int = 0) -> int:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(f"entier supérieur ou égal à {minimum} attendu", key)
        return value

    def positive(self, key: str, maximum: Decimal | None = None) -> Decimal:
        """A strictly positive number, as a ``Decimal``, at most ``maximum``."""
        return self._positive(self.get(key), key, maximum)

    def positives(self, key: str) -> tuple[Decimal, ...]:
        """A non-empty list of strictly positive numbers."""
        value = self.get(key)
        if not isinstance(value, list) or not value:
            raise self.error("liste de montants attendue", key)
        return tuple(self._positive(v, f"{key}[{i}]", None) for i, v in enumerate(value))

    def _positive(self, value: Any, key: str, maximum: Decimal | None) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error("nombre attendu", key)
        number = decimal_of(value)
        if not number.is_finite() or number <= 0:
            raise self.error("nombre strictement positif attendu", key)
        if maximum is not None and number > maximum:
            raise self.error(f"valeur supérieure à {maximum}", key)
        return number

    def date(self, key: str) -> dt.date:
        value = self.get(key)
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise self.error("date attendue (AAAA-MM-JJ, sans guillemets)", key)
        return value

    def optional_date(self, key: str) -> dt.date | None:
        return self.date(key) if self.data.get(key) is not None else self.get(key)
