"""``docproc reextract``: start, follow, stop or resume a batch re-extraction from a server.

It talks to the database and Redis of the settings (``DATABASE_URL``, ``REDIS_URL``), as the
workers do; the batch is driven by the workers' reconciler, and ``--wait`` drives it too while
it prints the progress, so a batch also advances where no worker reconciler runs yet. Ctrl-C
leaves the batch running (its state is in the database): ``--stop`` suspends it, ``--resume``
takes it up again where it was.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

#: Dossier statuses, then document statuses (``service.batch_control``; not imported here, so that
#: building the ``docproc`` parser stays cheap).
STATUSES = ("complete", "failed", "processing", "accepted", "rejected", "needs_review")


def _line(p: dict[str, Any]) -> str:
    ppm = p["pages_per_minute"]
    return (
        f"lot {p['batch_id']} ({p['status']}) : {p['done']} fait(s), {p['failed']} en échec, "
        f"{p['left']} restant(s) sur {p['total']}" + (f" — {ppm:g} pages/min" if ppm else "")
    )


def _summary(p: dict[str, Any]) -> str:
    changes = p["changes"]
    lines = [_line(p), f"dossiers dont un champ a changé : {changes['dossiers_changed']}"]
    for name, count in changes["fields"].items():
        lines.append(f"  {name} : {count} dossier(s)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from service import batch_control, batch_driver
    from service.config import load_settings
    from service.db import Database, migrate
    from service.queue import JobQueue, connect_redis
    from service.sealed import Sealer
    from service.storage import load_master_key

    settings = load_settings()
    db = Database(settings.database_url)
    try:
        migrate(db)
        target = args.show or args.stop or args.resume
        sealer: Sealer | None = None  # the master key is read only to create or drive a batch
        if target:
            if not batch_control.Selection.parse({"dossier_ids": [target]}).dossier_ids:
                raise batch_control.BatchError("identifiant de lot invalide")
            if args.stop or args.resume:
                status = batch_control.set_running(db, target, bool(args.resume))
                if status is None:
                    sys.stderr.write(f"docproc : lot {target} introuvable\n")
                    return 2
            batch_id = target
        else:
            body: dict[str, Any] = {
                "dossier_ids": args.dossier or [],
                "status": args.status,
                "kind": args.kind,
                "since": args.since,
                "until": args.until,
            }
            selection = batch_control.Selection.parse({k: v for k, v in body.items() if v})
            sealer = Sealer(load_master_key(settings))
            batch_id, total = batch_control.create_batch(
                db, "cli", selection, args.rate, sealer=sealer
            )
            sys.stderr.write(f"lot {batch_id} créé : {total} dossier(s)\n")
        if args.wait:
            queue = JobQueue(connect_redis(settings.redis_url), settings)
            sealer = sealer or Sealer(load_master_key(settings))  # one for every tick
            last = 0.0
            while True:
                batch_driver.advance(db, queue, settings, sealer)
                p = batch_control.progress(db, batch_id)
                assert p is not None
                if p["status"] != "running" and not p["in_flight"]:
                    break
                if time.monotonic() - last >= args.every:
                    sys.stderr.write(_line(p) + "\n")
                    last = time.monotonic()
                time.sleep(0.5)
        p = batch_control.progress(db, batch_id)
        if p is None:
            sys.stderr.write(f"docproc : lot {batch_id} introuvable\n")
            return 2
        sys.stdout.write(
            (json.dumps(p, ensure_ascii=False, indent=2) if args.json else _summary(p)) + "\n"
        )
        return 0
    except batch_control.BatchError as exc:
        sys.stderr.write(f"docproc : {exc}\n")
        return 2
    finally:
        db.dispose()


def add_parser(sub: Any) -> argparse.ArgumentParser:
    r: argparse.ArgumentParser = sub.add_parser(
        "reextract",
        help="relancer l'extraction d'un lot de dossiers (agents)",
        description="Crée un lot de ré-extraction (dossiers choisis par identifiant, statut, type de document, "
        "période de création), ou suit, suspend, reprend un lot. Le lot est mené par les workers "
        "(file « batch », derrière les envois), au débit DOCPROC_REEXTRACT_RATE.",
        epilog="exemples :\n  docproc reextract --kind avis_impot_revenu --since 2025-01-01 --wait\n"
        "  docproc reextract --show LOT --json\n  docproc reextract --stop LOT\n"
        "  docproc reextract --resume LOT --wait",
    )
    r.add_argument(
        "--dossier", action="append", metavar="ID", help="identifiant de dossier (répétable)"
    )
    r.add_argument(
        "--status", choices=STATUSES, help="statut du dossier, ou d'au moins un de ses documents"
    )
    r.add_argument("--kind", help="type d'au moins un document (ex. avis_impot_revenu)")
    r.add_argument("--since", metavar="AAAA-MM-JJ", help="dossiers créés ce jour ou après")
    r.add_argument("--until", metavar="AAAA-MM-JJ", help="dossiers créés ce jour ou avant")
    r.add_argument(
        "--rate",
        type=float,
        metavar="N",
        help="dossiers lancés par minute au plus (défaut : réglage)",
    )
    group = r.add_mutually_exclusive_group()
    group.add_argument("--show", metavar="LOT", help="avancement d'un lot existant")
    group.add_argument(
        "--stop", metavar="LOT", help="suspendre un lot (ce qui est en cours se termine)"
    )
    group.add_argument("--resume", metavar="LOT", help="reprendre un lot suspendu ou interrompu")
    r.add_argument(
        "--wait", action="store_true", help="suivre le lot jusqu'à la fin (Ctrl-C : il continue)"
    )
    r.add_argument(
        "--every",
        type=float,
        default=5.0,
        metavar="S",
        help="secondes entre deux lignes d'avancement",
    )
    r.add_argument("--json", action="store_true", help="avancement final en JSON")
    return r
