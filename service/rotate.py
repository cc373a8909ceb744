"""``docproc rotate-key``: wrap every file's data key with a new storage master key.

Only the wrapped data keys (``files.wrapped_key``, a few dozen bytes per file, and each
dossier's ``dossiers.data_key``, which seals its personal columns) are rewritten;
the blobs, encrypted with their data keys, are not touched, wherever they live. Run it with the
API and the workers stopped (a process still holding the old key could not read a rewrapped
file), then install the new key (``DOCPROC_STORAGE_KEY`` or ``storage.key``) and restart.
It is resumable: a row that the old key cannot open but the new one can is already done, so a
run interrupted half-way is simply run again. Nothing here prints a file name or content.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def run(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from sqlalchemy import select, update

    from service.config import SettingsError, load_settings
    from service.db import DOSSIERS, FILES, Database, migrate
    from service.sealed import Sealer, SealError
    from service.storage import StorageError, _decode_key, _Envelope, load_master_key

    settings = load_settings()
    path = Path(args.new_key_file)
    try:
        mode = path.stat().st_mode & 0o777
        new_key = _decode_key(path.read_text(encoding="ascii"), path.name)
    except OSError:
        sys.stderr.write(f"docproc : fichier de clé « {path} » illisible\n")
        return 2
    if mode & 0o077:
        raise SettingsError(f"{path.name} : permissions trop larges ({oct(mode)}), attendu 0600")
    old = _Envelope(load_master_key(settings))
    new, check = AESGCM(new_key), _Envelope(new_key)
    db = Database(settings.database_url)
    done = already = unreadable = 0
    try:
        migrate(db)
        last = ""
        while True:
            with db.read_conn() as conn:
                rows = conn.execute(
                    select(FILES.c.id, FILES.c.wrapped_key)
                    .where(FILES.c.id > last)
                    .order_by(FILES.c.id)
                    .limit(500)
                ).all()
            if not rows:
                break
            with db.write_conn() as conn:
                for file_id, wrapped in rows:
                    wrapped = bytes(wrapped)
                    try:
                        rewrapped = old.rewrap(file_id, wrapped, new)
                    except StorageError:
                        try:
                            check.rewrap(file_id, wrapped, new)
                            already += 1
                        except StorageError:
                            unreadable += 1
                        continue
                    conn.execute(
                        update(FILES)
                        .where(FILES.c.id == file_id, FILES.c.wrapped_key == wrapped)
                        .values(wrapped_key=rewrapped)
                    )
                    done += 1
            last = rows[-1].id
        old_sealer, new_sealer = Sealer(load_master_key(settings)), Sealer(new_key)
        last = ""
        while True:
            with db.read_conn() as conn:
                drows = conn.execute(
                    select(DOSSIERS.c.id, DOSSIERS.c.data_key)
                    .where(DOSSIERS.c.id > last, DOSSIERS.c.data_key.is_not(None))
                    .order_by(DOSSIERS.c.id)
                    .limit(500)
                ).all()
            if not drows:
                break
            with db.write_conn() as conn:
                for dossier_id, wrapped in drows:
                    wrapped = bytes(wrapped)
                    try:
                        rewrapped = old_sealer.rewrap(wrapped, dossier_id, new)
                    except SealError:
                        try:
                            new_sealer.rewrap(wrapped, dossier_id, new)
                            already += 1
                        except SealError:
                            unreadable += 1
                        continue
                    conn.execute(
                        update(DOSSIERS)
                        .where(DOSSIERS.c.id == dossier_id, DOSSIERS.c.data_key == wrapped)
                        .values(data_key=rewrapped)
                    )
                    done += 1
            last = drows[-1].id
    finally:
        db.dispose()
    sys.stdout.write(
        f"{done} clé(s) de fichier ou de dossier rechiffrée(s), {already} déjà sous la nouvelle clé, "
        f"{unreadable} illisible(s) avec l'une et l'autre.\n"
        "Installez maintenant la nouvelle clé (DOCPROC_STORAGE_KEY ou storage.key) et "
        "redémarrez l'API et les workers.\n"
    )
    return 1 if unreadable else 0


def add_parser(sub: Any) -> argparse.ArgumentParser:
    r: argparse.ArgumentParser = sub.add_parser(
        "rotate-key",
        help="changer la clé maîtresse du stockage (services arrêtés)",
        description="Rechiffre la clé de chaque fichier avec une nouvelle clé maîtresse (les fichiers "
        "eux-mêmes ne sont pas réécrits). À lancer API et workers arrêtés ; relançable si "
        "interrompu. Ensuite : installer la nouvelle clé et redémarrer.",
        epilog="exemple :\n  (umask 077; head -c 32 /dev/urandom | base64 > nouvelle.key)\n"
        "  docproc rotate-key --new-key-file nouvelle.key",
    )
    r.add_argument(
        "--new-key-file",
        required=True,
        metavar="FICHIER",
        help="la nouvelle clé AES-256 (base64 ou hexadécimal), permissions 0600",
    )
    return r
