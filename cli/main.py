"""The ``docproc`` command (contract §2): the parser and ``main``. It lives outside the library
(``docproc`` never imports ``service`` nor ``bench``) and may import both; each subcommand
imports its heavy modules when it runs (``python -m cli`` runs it)."""

from __future__ import annotations

import argparse
import logging
import sys

from cli.help_texts import EXTRACT_EPILOG, MAIN_EPILOG, QA_EPILOG
from cli.library import cmd_eligibility, cmd_extract, cmd_qa, cmd_trust
from cli.parsing import EXIT_OK, EXIT_USAGE, FrenchParser, UsageError, VersionAction, iso_date
from cli.service_commands import (
    cmd_bench,
    cmd_demo,
    cmd_reextract,
    cmd_rotate_key,
    cmd_serve,
    cmd_settings,
    cmd_up,
    cmd_worker,
)


def parser() -> argparse.ArgumentParser:
    p = FrenchParser(
        prog="docproc", description="Lecture et contrôle des justificatifs CSS.", epilog=MAIN_EPILOG
    )
    p.add_argument("--version", action=VersionAction, help="afficher la version et quitter")
    p.add_argument(
        "--debug", action="store_true", help="afficher la trace complète des erreurs internes"
    )
    sub = p.add_subparsers(dest="command", required=True, title="commandes", metavar="COMMANDE")
    e = sub.add_parser(
        "extract",
        help="extraire les informations de fichiers (sans Redis)",
        description="Lit les fichiers d'un dossier (PDF ou images) et donne documents, champs "
        "et contrôles.",
        epilog=EXTRACT_EPILOG,
    )
    e.add_argument(
        "files",
        nargs="+",
        metavar="FICHIER",
        help="PDF ou image (JPEG, PNG, TIFF, HEIC) du dossier",
    )
    e.add_argument(
        "--json", action="store_true", help="sortie JSON du contrat (§3) au lieu du résumé"
    )
    e.add_argument(
        "--date", type=iso_date, help="date de la demande (AAAA-MM-JJ), par défaut aujourd'hui"
    )
    e.add_argument("-q", "--quiet", action="store_true", help="pas de progression sur stderr")
    e.set_defaults(func=cmd_extract)
    q = sub.add_parser(
        "qa",
        help="mesurer l'exactitude sur les échantillons, par famille et par type",
        description="Extrait chaque échantillon de DIR qui a un NAME.expected.json et compare "
        "au résultat attendu : exactitude par champ, par famille et par type.",
        epilog=QA_EPILOG,
    )
    q.add_argument(
        "dir",
        nargs="?",
        default="samples",
        metavar="DIR",
        help="dossier des échantillons (défaut : samples)",
    )
    q.add_argument(
        "--json",
        action="store_true",
        help="rapport JSON sur la sortie standard (sert de --baseline)",
    )
    q.add_argument(
        "--html",
        metavar="FICHIER",
        help="écrire aussi un rapport HTML dans ce fichier (son dossier doit exister)",
    )
    q.add_argument(
        "--baseline",
        metavar="JSON",
        help="rapport « qa --json » d'un run précédent : ce qui a progressé ou régressé, champ par "
        "champ ; code 3 sur une régression",
    )
    q.add_argument("-q", "--quiet", action="store_true", help="pas de progression sur stderr")
    q.set_defaults(func=cmd_qa)
    el = sub.add_parser(
        "eligibility",
        help="décision CSS pour un foyer",
        description="Applique le moteur d'éligibilité CSS à un foyer (format : contrat §5).",
        epilog="exemple :\n  docproc eligibility docproc/eligibility/examples/famille.json --json",
    )
    el.add_argument("household", metavar="FOYER.json", help="fichier JSON du foyer")
    el.add_argument(
        "--json", action="store_true", help="sortie JSON au lieu de l'explication en français"
    )
    el.set_defaults(func=cmd_eligibility)
    b = sub.add_parser(
        "bench",
        help="mesures de vitesse",
        description="Mesures de vitesse, en ratios mesurés dans un même run.",
    )
    b.add_argument("--json", action="store_true", help="résultats en JSON")
    b.add_argument(
        "--only",
        action="append",
        metavar="SECTION",
        choices=["cold_start", "text", "twoddoc", "ocr", "service", "hostile"],
        help="cold_start (démarrage à froid d'extract, cible ≤ 2× un import de pypdfium2), "
        "text, twoddoc, ocr, service, hostile (répétable)",
    )
    b.add_argument(
        "--avis",
        type=int,
        default=1000,
        metavar="N",
        help="service : avis texte envoyés de bout en bout (défaut 1000 ; sinon extrapolé à 1000)",
    )
    b.set_defaults(func=cmd_bench)
    s = sub.add_parser(
        "serve",
        help="l'API seule (REDIS_URL)",
        description="Démarre l'API FastAPI sur un Redis existant (REDIS_URL).",
    )
    s.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut : 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port d'écoute (défaut : 8000)")
    s.set_defaults(func=cmd_serve)
    w = sub.add_parser(
        "worker",
        help="un worker RQ (REDIS_URL)",
        description="Démarre un worker RQ sur un Redis existant (REDIS_URL).",
    )
    w.set_defaults(func=cmd_worker)
    u = sub.add_parser(
        "up",
        help="tout le service en local (redis privé, workers, API)",
        description="Redis privé, un worker par cœur et l'API, au premier plan jusqu'à Ctrl-C.",
    )
    u.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut : 127.0.0.1)")
    u.add_argument("--port", type=int, default=8000, help="port d'écoute (défaut : 8000)")
    u.add_argument(
        "--data-dir",
        default="./var",
        metavar="DOSSIER",
        help="dossier des données (défaut : ./var)",
    )
    u.set_defaults(func=cmd_up)
    from service.reextract_cli import add_parser as reextract_parser

    reextract_parser(sub).set_defaults(func=cmd_reextract)
    from service.rotate import add_parser as rotate_parser

    rotate_parser(sub).set_defaults(func=cmd_rotate_key)
    d = sub.add_parser(
        "demo",
        help="démonstration de bout en bout par l'API",
        description="Démarre le service, envoie les échantillons par l'API et résume.",
    )
    d.add_argument(
        "dir",
        nargs="?",
        default="samples",
        metavar="DIR",
        help="dossier des échantillons (défaut : samples)",
    )
    d.set_defaults(func=cmd_demo)
    t = sub.add_parser(
        "trust",
        help="cache des certificats 2D-Doc",
        description="Télécharge la TSL de l'ANTS et les certificats des autorités (réseau requis).",
    )
    t.add_argument("action", choices=["refresh"], help="refresh : rafraîchir le cache")
    t.set_defaults(func=cmd_trust)
    st = sub.add_parser(
        "settings",
        help="réglages effectifs et leur origine (secrets masqués)",
        description="Affiche chaque réglage, sa valeur effective (secrets masqués) et d'où "
        "elle vient : variable d'environnement, fichier TOML ou défaut.",
    )
    st.add_argument("--json", action="store_true", help="sortie JSON")
    st.set_defaults(func=cmd_settings)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    from docproc.settings import SettingsError, check_environment

    try:
        check_environment()  # a misspelt DOCPROC_* variable is refused before any work
        return int(args.func(args))
    except UsageError as exc:
        print(f"docproc : {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SettingsError as exc:
        print(f"docproc : réglage invalide : {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"docproc : erreur interne ({type(exc).__name__}) ; relancez avec --debug pour le détail.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
