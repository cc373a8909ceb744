"""Uploaded files at rest: AES-256-GCM envelope encryption, in a local directory or in the database.

Each file gets its own random data key; the blob on disk is encrypted with it, and the data
key, wrapped by the master key, lives in the file's database row. Deleting the row destroys
the only copy of the data key (crypto-shredding), so a blob left in a backup stays unreadable.
The file id is the associated data of both layers: a blob or a wrapped key moved to another id
fails authentication instead of decrypting.

Two ``BlobStore`` implementations, chosen by ``storage_backend``: ``LocalBlobStore`` (fsynced
files under ``<data_dir>/files``, the single-machine default) and ``DatabaseBlobStore`` (the
``blobs`` table, so that API and workers on several hosts share files through PostgreSQL). Both
hold the same ciphertext; only where it lives differs.

The master key comes from ``DOCPROC_STORAGE_KEY`` (32 bytes, base64 or hex) or from the key
file ``<data_dir>/storage.key``, created on first use with 0600 permissions.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from service.config import ServiceSettings, SettingsError

if TYPE_CHECKING:
    from service.db import Database

_BLOB_MAGIC = b"DPF1"
_KEY_MAGIC = b"DPK1"
_NONCE = 12


class StorageError(Exception):
    """A blob is missing, or fails authentication (wrong key, tampering); no content inside."""


def _decode_key(raw: str, source: str) -> bytes:
    text = raw.strip()
    for decode in (bytes.fromhex, base64.b64decode, base64.urlsafe_b64decode):
        try:
            key = decode(text)
        except (ValueError, binascii.Error):
            continue
        if len(key) == 32:
            return key
    raise SettingsError(f"{source} : clé AES-256 attendue (32 octets en base64 ou hexadécimal)")


def load_master_key(settings: ServiceSettings) -> bytes:
    """The storage master key; creates the key file (0600) in the data directory if needed."""
    if settings.storage_key:
        return _decode_key(settings.storage_key, "DOCPROC_STORAGE_KEY")
    path = settings.key_file
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Write a temporary file, then link it into place: atomic, and a concurrent
        # process (API and workers start together) either wins or reads the winner's key.
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, base64.b64encode(secrets.token_bytes(32)) + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
        tmp.unlink()
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise SettingsError(f"{path.name} : permissions trop larges ({oct(mode)}), attendu 0600")
    return _decode_key(path.read_text(encoding="ascii"), path.name)


class BlobStore(Protocol):
    """Where encrypted uploads live, addressed by file id (see the two implementations)."""

    def put(self, file_id: str, data: bytes) -> bytes:
        """Encrypt and durably store ``data``; return the wrapped data key to store in the DB."""
        ...

    def get(self, file_id: str, wrapped_key: bytes) -> bytes:
        """Decrypt the blob with its wrapped data key; ``StorageError`` if missing or forged."""
        ...

    def delete(self, file_id: str) -> None:
        """Remove the blob; already gone is fine (deletion is idempotent)."""
        ...


class _Envelope:
    """The two layers of AES-GCM shared by both stores (file id as associated data)."""

    def __init__(self, master_key: bytes) -> None:
        self._master = AESGCM(master_key)

    @staticmethod
    def _check_id(file_id: str) -> None:
        if not file_id.isalnum():
            raise StorageError("identifiant de fichier invalide")

    def seal(self, file_id: str, data: bytes) -> tuple[bytes, bytes]:
        """(blob, wrapped data key)."""
        self._check_id(file_id)
        aad = file_id.encode()
        dek = AESGCM.generate_key(bit_length=256)
        nonce = secrets.token_bytes(_NONCE)
        blob = _BLOB_MAGIC + nonce + AESGCM(dek).encrypt(nonce, data, aad)
        key_nonce = secrets.token_bytes(_NONCE)
        wrapped = _KEY_MAGIC + key_nonce + self._master.encrypt(key_nonce, dek, aad)
        return blob, wrapped

    def open(self, file_id: str, blob: bytes, wrapped_key: bytes) -> bytes:
        aad = file_id.encode()
        if blob[:4] != _BLOB_MAGIC or wrapped_key[:4] != _KEY_MAGIC:
            raise StorageError("format de stockage inconnu")
        try:
            dek = self._master.decrypt(wrapped_key[4:16], wrapped_key[16:], aad)
            return AESGCM(dek).decrypt(blob[4:16], blob[16:], aad)
        except InvalidTag as exc:
            raise StorageError("authentification du fichier chiffré impossible") from exc

    def rewrap(self, file_id: str, wrapped_key: bytes, new_master: AESGCM) -> bytes:
        """The same data key wrapped by another master key (key rotation; the blob is untouched)."""
        aad = file_id.encode()
        if wrapped_key[:4] != _KEY_MAGIC:
            raise StorageError("format de stockage inconnu")
        try:
            dek = self._master.decrypt(wrapped_key[4:16], wrapped_key[16:], aad)
        except InvalidTag as exc:
            raise StorageError("clé de fichier illisible avec la clé maîtresse actuelle") from exc
        nonce = secrets.token_bytes(_NONCE)
        return _KEY_MAGIC + nonce + new_master.encrypt(nonce, dek, aad)


class LocalBlobStore(_Envelope):
    """Encrypted, fsynced blobs under ``root``, addressed by file id."""

    def __init__(self, root: Path, master_key: bytes) -> None:
        super().__init__(master_key)
        self.root = root
        root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def path(self, file_id: str) -> Path:
        self._check_id(file_id)
        return self.root / file_id[:2] / f"{file_id}.bin"

    def put(self, file_id: str, data: bytes) -> bytes:
        """Encrypt and durably write ``data``; return the wrapped data key to store in the DB."""
        blob, wrapped = self.seal(file_id, data)
        final = self.path(file_id)
        final.parent.mkdir(exist_ok=True, mode=0o700)
        tmp = final.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(blob)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
        dir_fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return wrapped

    def get(self, file_id: str, wrapped_key: bytes) -> bytes:
        try:
            blob = self.path(file_id).read_bytes()
        except FileNotFoundError as exc:
            raise StorageError("fichier absent du stockage") from exc
        return self.open(file_id, blob, wrapped_key)

    def delete(self, file_id: str) -> None:
        """Remove the blob; already gone is fine (deletion is idempotent)."""
        with contextlib.suppress(FileNotFoundError):
            self.path(file_id).unlink()
        with contextlib.suppress(FileNotFoundError):
            self.path(file_id).with_suffix(".tmp").unlink()


class DatabaseBlobStore(_Envelope):
    """Encrypted blobs in the ``blobs`` table (PostgreSQL ``bytea``), shared by every host.

    Deleting the ``files`` row destroys the wrapped data key as with the local store; the blob
    row is deleted too, and what PostgreSQL keeps of it until VACUUM (dead tuples, WAL,
    backups) is ciphertext whose key is gone.
    """

    def __init__(self, db: Database, master_key: bytes) -> None:
        super().__init__(master_key)
        self.db = db

    def put(self, file_id: str, data: bytes) -> bytes:
        from sqlalchemy import delete, insert

        from service.db import BLOBS, utcnow

        blob, wrapped = self.seal(file_id, data)
        with self.db.write_conn() as conn:
            conn.execute(delete(BLOBS).where(BLOBS.c.file_id == file_id))
            conn.execute(insert(BLOBS), {"file_id": file_id, "data": blob, "created_at": utcnow()})
        return wrapped

    def get(self, file_id: str, wrapped_key: bytes) -> bytes:
        from sqlalchemy import select

        from service.db import BLOBS

        self._check_id(file_id)
        with self.db.read_conn() as conn:
            blob = conn.execute(select(BLOBS.c.data).where(BLOBS.c.file_id == file_id)).scalar()
        if blob is None:
            raise StorageError("fichier absent du stockage")
        return self.open(file_id, bytes(blob), wrapped_key)

    def delete(self, file_id: str) -> None:
        from sqlalchemy import delete

        from service.db import BLOBS

        with self.db.write_conn() as conn:
            conn.execute(delete(BLOBS).where(BLOBS.c.file_id == file_id))


def open_blob_store(settings: ServiceSettings, db: Database) -> BlobStore:
    """The store named by ``storage_backend`` (``local`` or ``database``)."""
    key = load_master_key(settings)
    if settings.storage_backend == "database":
        return DatabaseBlobStore(db, key)
    return LocalBlobStore(settings.storage_dir, key)
