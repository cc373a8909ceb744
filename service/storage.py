"""Uploaded files at rest: AES-256-GCM envelope encryption in a local directory.

Each file gets its own random data key; the blob on disk is encrypted with it, and the data
key, wrapped by the master key, lives in the file's database row. Deleting the row destroys
the only copy of the data key (crypto-shredding), so a blob left in a backup stays unreadable.
The file id is the associated data of both layers: a blob or a wrapped key moved to another id
fails authentication instead of decrypting.

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

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from service.settings import ServiceSettings, SettingsError

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


class BlobStore:
    """Encrypted, fsynced blobs under ``root``, addressed by file id."""

    def __init__(self, root: Path, master_key: bytes) -> None:
        self.root = root
        self._master = AESGCM(master_key)
        root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def path(self, file_id: str) -> Path:
        if not file_id.isalnum():
            raise StorageError("identifiant de fichier invalide")
        return self.root / file_id[:2] / f"{file_id}.bin"

    def put(self, file_id: str, data: bytes) -> bytes:
        """Encrypt and durably write ``data``; return the wrapped data key to store in the DB."""
        aad = file_id.encode()
        dek = AESGCM.generate_key(bit_length=256)
        nonce = secrets.token_bytes(_NONCE)
        blob = _BLOB_MAGIC + nonce + AESGCM(dek).encrypt(nonce, data, aad)
        key_nonce = secrets.token_bytes(_NONCE)
        wrapped = _KEY_MAGIC + key_nonce + self._master.encrypt(key_nonce, dek, aad)

        final = self.path(file_id)
        final.parent.mkdir(exist_ok=True, mode=0o700)
        tmp = final.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(blob)
            while view:
                view = view[os.write(fd, view):]
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
        aad = file_id.encode()
        try:
            blob = self.path(file_id).read_bytes()
        except FileNotFoundError as exc:
            raise StorageError("fichier absent du stockage") from exc
        if blob[:4] != _BLOB_MAGIC or wrapped_key[:4] != _KEY_MAGIC:
            raise StorageError("format de stockage inconnu")
        try:
            dek = self._master.decrypt(wrapped_key[4:16], wrapped_key[16:], aad)
            return AESGCM(dek).decrypt(blob[4:16], blob[16:], aad)
        except InvalidTag as exc:
            raise StorageError("authentification du fichier chiffré impossible") from exc

    def delete(self, file_id: str) -> None:
        """Remove the blob; already gone is fine (deletion is idempotent)."""
        with contextlib.suppress(FileNotFoundError):
            self.path(file_id).unlink()
        with contextlib.suppress(FileNotFoundError):
            self.path(file_id).with_suffix(".tmp").unlink()
