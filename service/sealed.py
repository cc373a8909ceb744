"""Personal values in database rows, sealed with the dossier's own data key (envelope encryption).

The blobs' scheme (``storage``) applied to columns: every dossier gets a random AES-256 data
key when it is created, stored in ``dossiers.data_key`` wrapped by the storage master key.
Every personal value of the dossier (extracted result, declared household, file names,
beneficiaire, and any later personal column: corrections, audit details) is stored as
``seal(...)`` bytes under that key. Deleting the dossier row destroys the only copy of the data
key: whatever is left in a backup, a WAL page or a replica stays unreadable (crypto-shredding).
Searchable metadata (ids, owner, status, kind, dates) stays in clear.

Each sealed value is authenticated with its place (dossier id, ``table.column`` and row id) as
associated data: a value copied to another row, column or dossier fails to open instead of
decrypting. Values are JSON (anything ``json.dumps`` takes).

Usage, with ``sealer = Sealer(master_key)``::

    wrapped = sealer.new_key(dossier_id)                       # at dossier creation
    blob = sealer.seal(wrapped, dossier_id, "files.name", file_id, "avis.pdf")
    name = sealer.open(wrapped, dossier_id, "files.name", file_id, blob)

``open_dossier`` / ``open_file`` fill the in-memory attributes the views read (``result``,
``household``, ``name``, ``beneficiaire``) on ORM rows loaded from the database; those
attributes are not mapped, so they are never written back in clear.
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from service.db import Dossier, StoredFile

_KEY_MAGIC = b"DDK1"
_VALUE_MAGIC = b"DPS1"
_NONCE = 12


def encode(value: Any) -> bytes:
    """The JSON text a sealed value holds (``open`` reads it back with ``json.loads``)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()


class SealError(Exception):
    """A sealed value or a data key fails authentication (wrong key, wrong place, tampering)."""


class Sealer:
    """Seal and open the personal columns of one dossier under its data key."""

    def __init__(self, master_key: bytes) -> None:
        self._master = AESGCM(master_key)

    # -- the dossier's data key ---------------------------------------------------------
    def new_key(self, dossier_id: str) -> bytes:
        """A fresh data key for ``dossier_id``, wrapped by the master key (store it in the row)."""
        nonce = secrets.token_bytes(_NONCE)
        dek = AESGCM.generate_key(bit_length=256)
        return (
            _KEY_MAGIC + nonce + self._master.encrypt(nonce, dek, b"dossier:" + dossier_id.encode())
        )

    def _dek(self, wrapped: bytes, dossier_id: str) -> AESGCM:
        if not wrapped or wrapped[:4] != _KEY_MAGIC:
            raise SealError("clé de dossier absente ou de format inconnu")
        try:
            dek = self._master.decrypt(
                wrapped[4:16], wrapped[16:], b"dossier:" + dossier_id.encode()
            )
        except InvalidTag as exc:
            raise SealError(
                "clé de dossier illisible (clé maîtresse différente ou altération)"
            ) from exc
        return AESGCM(dek)

    def rewrap(self, wrapped: bytes, dossier_id: str, new_master: AESGCM) -> bytes:
        """The dossier's data key wrapped by ``new_master`` instead (``docproc rotate-key``);
        SealError when this sealer's master key cannot open it."""
        if not wrapped or wrapped[:4] != _KEY_MAGIC:
            raise SealError("clé de dossier absente ou de format inconnu")
        aad = b"dossier:" + dossier_id.encode()
        try:
            dek = self._master.decrypt(wrapped[4:16], wrapped[16:], aad)
        except InvalidTag as exc:
            raise SealError(
                "clé de dossier illisible (clé maîtresse différente ou altération)"
            ) from exc
        nonce = secrets.token_bytes(_NONCE)
        return _KEY_MAGIC + nonce + new_master.encrypt(nonce, dek, aad)

    # -- values -------------------------------------------------------------------------
    @staticmethod
    def _aad(dossier_id: str, column: str, row_id: str) -> bytes:
        return f"{dossier_id}|{column}|{row_id}".encode()

    def seal(
        self, wrapped: bytes, dossier_id: str, column: str, row_id: str, value: Any
    ) -> bytes | None:
        """``value`` (JSON-able) encrypted for this place; ``None`` stays ``None``."""
        if value is None:
            return None
        return self.seal_encoded(wrapped, dossier_id, column, row_id, encode(value))

    def seal_encoded(
        self, wrapped: bytes, dossier_id: str, column: str, row_id: str, plain: bytes
    ) -> bytes:
        """``seal`` of a value already encoded by ``encode`` (same bytes out)."""
        nonce = secrets.token_bytes(_NONCE)
        return (
            _VALUE_MAGIC
            + nonce
            + self._dek(wrapped, dossier_id).encrypt(
                nonce, plain, self._aad(dossier_id, column, row_id)
            )
        )

    def open(
        self, wrapped: bytes, dossier_id: str, column: str, row_id: str, sealed: bytes | None
    ) -> Any:
        if sealed is None:
            return None
        sealed = bytes(sealed)
        if sealed[:4] != _VALUE_MAGIC:
            raise SealError("valeur scellée de format inconnu")
        try:
            plain = self._dek(wrapped, dossier_id).decrypt(
                sealed[4:16], sealed[16:], self._aad(dossier_id, column, row_id)
            )
        except InvalidTag as exc:
            raise SealError(
                "valeur scellée illisible (mauvaise place, mauvaise clé ou altération)"
            ) from exc
        return json.loads(plain)

    # -- the service's rows -------------------------------------------------------------
    def open_dossier(self, dossier: Dossier) -> Dossier:
        """Fill ``dossier.result`` and ``dossier.household`` (in memory only)."""
        key, did = dossier.data_key or b"", dossier.id
        dossier.result = self.open(key, did, "dossiers.result", did, dossier.result_sealed)
        dossier.household = self.open(key, did, "dossiers.household", did, dossier.household_sealed)
        return dossier

    def open_file(self, stored: StoredFile, wrapped: bytes) -> StoredFile:
        """Fill ``stored.name`` and ``stored.beneficiaire`` (in memory only)."""
        did, fid = stored.dossier_id, stored.id
        stored.name = self.open(wrapped, did, "files.name", fid, stored.name_sealed)
        stored.beneficiaire = self.open(
            wrapped, did, "files.beneficiaire", fid, stored.beneficiaire_sealed
        )
        return stored
