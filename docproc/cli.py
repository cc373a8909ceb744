"""The ``docproc`` command (contract §2). Heavy modules are imported by the subcommand that needs them."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Any


class UsageError(Exception):
    pass


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide « {value} » : attendu AAAA-MM-JJ") from None


def cmd_extract(args: argparse.Namespace) -> int:
    from docproc.models import Upload
    from docproc.pipeline import extract
    uploads = []
    for name in args.files:
        path = Path(name)
        try:
            uploads.append(Upload(path.name, path.read_bytes()))
        except OSError:
            raise UsageError(f"Impossible de lire le fichier « {name} ».") from None
    result = extract(uploads, args.date or date.today())
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(summary(result))
    return 0


def summary(result: dict[str, Any]) -> str:
    """A readable French summary of an extraction result."""
    status_fr = {"accepted": "accepté", "rejected": "refusé", "needs_review": "à vérifier"}
    lines = []
    for f in result["files"]:
        state = "lu" if f["accepted"] else "refusé"
        lines.append(f"Fichier {f['name']} ({f['media_type'] or 'type inconnu'}, {f['pages']} page(s)) : {state}")
        for c in f["checks"]:
            if not c["ok"]:
                lines.append(f"  ✗ {c['message']}")
    for i, d in enumerate(result["documents"], 1):
        pages = ", ".join(f"{p['number'] or '?'}/{p['of'] or '?'}" for p in d["pages"])
        lines.append(f"Document {i} : {d['kind']} — {status_fr[d['status']]} (pages {pages})")
        f = d["fields"]
        for key in ("annee_revenus", "revenu_fiscal_reference", "nombre_parts", "situation_famille",
                    "personnes_a_charge", "montant_impot", "annee_imposition", "montant_total", "organisme",
                    "date_attestation", "pays", "annee", "revenu_annuel", "devise", "revenu_annuel_eur"):
            if key in f:
                lines.append(f"  {key} : {f[key]}")
        if "declarants" in f:
            lines.append(f"  déclarants : {len(f['declarants'])}")
        if d.get("twoddoc"):
            t = d["twoddoc"]
            lines.append(f"  2D-Doc : signature {'valide' if t.get('valid_signature') else 'non valide'}"
                         + (f" ({t['reason']})" if t.get("reason") else ""))
        for c in d["checks"]:
            if not c["ok"]:
                lines.append(f"  ✗ [{c['level']}] {c['message']}")
    return "\n".join(lines)


QA_EPILOG = """codes de sortie :
  0  toutes les familles atteignent leurs cibles et aucun champ requis n'est faux
  1  une valeur requise au moins est fausse (contrat §2 ; une valeur laissée
     absente avec sa raison n'est pas fausse : elle compte dans la cible) — ou erreur interne ;
     prime sur 3 quand les deux s'appliquent
  2  usage incorrect : dossier introuvable, dossier du rapport --html inexistant
  3  aucun champ requis faux, mais une famille est sous sa cible (contrat §6)

familles (clé « family » de NAME.expected.json, sinon « variant ») et cibles :
  text 100 % des champs, scan ≥ 98 %, photo et screenshot ≥ 95 %, variation 100 % ;
  décisions de complétude 100 % partout ; 2D-Doc décodé sur ≥ 98 % des scans et photos
  qui en portent un. Une famille sans échantillon est « absente », ni réussie ni échouée."""


def _html_target(value: str) -> Path:
    """The --html file, checked before any extraction runs (fail fast)."""
    target = Path(value)
    if target.is_dir():
        raise UsageError(f"« {value} » est un dossier : indiquez un fichier pour le rapport HTML.")
    parent = target.parent
    if not parent.is_dir():
        raise UsageError(f"Le dossier « {parent} » du rapport HTML n'existe pas : créez-le ou choisissez un autre chemin.")
    return target


def cmd_qa(args: argparse.Namespace) -> int:
    from docproc import qa
    directory = Path(args.dir)
    if not directory.is_dir():
        raise UsageError(f"Le dossier « {args.dir} » n'existe pas.")
    html_target = _html_target(args.html) if args.html else None
    report = qa.run(directory)
    if html_target is not None:
        html_target.write_text(qa.html_report(report), encoding="utf-8")
    print(json.dumps(report.to_json(), ensure_ascii=False, indent=2) if args.json else qa.text_summary(report))
    return report.exit_code()


def cmd_eligibility(args: argparse.Namespace) -> int:
    from docproc.eligibility.cli import run_cli
    return run_cli(Path(args.household), args.json)


def cmd_bench(args: argparse.Namespace) -> int:
    from docproc.bench import run_bench
    return run_bench(as_json=args.json, sections=args.only)


def cmd_serve(args: argparse.Namespace) -> int:
    from worker.commands import serve
    return serve(args.host, args.port)


def cmd_worker(_args: argparse.Namespace) -> int:
    from worker.commands import run_worker
    return run_worker()


def cmd_up(args: argparse.Namespace) -> int:
    from worker.commands import up
    return up(args.host, args.port, Path(args.data_dir))


def cmd_demo(args: argparse.Namespace) -> int:
    from worker.demo import run_demo
    return run_demo(Path(args.dir))


def cmd_trust(args: argparse.Namespace) -> int:
    from docproc.twoddoc import refresh_trust_cache
    from docproc.twoddoc.trust import default_cache_dir
    if args.action != "refresh":
        raise UsageError("Action inconnue : seule « refresh » existe.")
    count = refresh_trust_cache(default_cache_dir())
    print(f"{count} certificat(s) de signature mis en cache.")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="docproc", description="Lecture et contrôle des justificatifs CSS.")
    p.add_argument("--debug", action="store_true", help="afficher la trace complète des erreurs internes")
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("extract", help="extraire les informations de fichiers (sans Redis)")
    e.add_argument("files", nargs="+")
    e.add_argument("--json", action="store_true")
    e.add_argument("--date", type=_date, help="date de la demande (AAAA-MM-JJ), par défaut aujourd'hui")
    e.set_defaults(func=cmd_extract)
    q = sub.add_parser("qa", help="mesurer l'exactitude sur les échantillons, par famille et par type",
                       description="Extrait chaque échantillon de DIR qui a un NAME.expected.json et compare "
                                   "au résultat attendu : exactitude par champ, par famille et par type.",
                       epilog=QA_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument("dir", nargs="?", default="samples", help="dossier des échantillons (défaut : samples)")
    q.add_argument("--json", action="store_true", help="rapport JSON sur la sortie standard")
    q.add_argument("--html", help="écrire aussi un rapport HTML dans ce fichier (son dossier doit exister)")
    q.set_defaults(func=cmd_qa)
    el = sub.add_parser("eligibility", help="décision CSS pour un foyer")
    el.add_argument("household")
    el.add_argument("--json", action="store_true")
    el.set_defaults(func=cmd_eligibility)
    b = sub.add_parser("bench", help="mesures de vitesse")
    b.add_argument("--json", action="store_true")
    b.add_argument("--only", action="append", help="text, twoddoc, ocr, service (répétable)")
    b.set_defaults(func=cmd_bench)
    s = sub.add_parser("serve", help="l'API seule (REDIS_URL)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.set_defaults(func=cmd_serve)
    w = sub.add_parser("worker", help="un worker RQ (REDIS_URL)")
    w.set_defaults(func=cmd_worker)
    u = sub.add_parser("up", help="tout le service en local (redis privé, workers, API)")
    u.add_argument("--host", default="127.0.0.1")
    u.add_argument("--port", type=int, default=8000)
    u.add_argument("--data-dir", default="./var")
    u.set_defaults(func=cmd_up)
    d = sub.add_parser("demo", help="démonstration de bout en bout par l'API")
    d.add_argument("dir", nargs="?", default="samples")
    d.set_defaults(func=cmd_demo)
    t = sub.add_parser("trust", help="cache des certificats 2D-Doc")
    t.add_argument("action", choices=["refresh"])
    t.set_defaults(func=cmd_trust)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"docproc : {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"docproc : erreur interne ({type(exc).__name__}) ; relancez avec --debug pour le détail.",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
