"""The ``docproc`` command (contract §2). Heavy modules are imported by the subcommand that needs them."""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

#: Exit statuses (contract §2 and §6). QA keeps 1 for "a required value is wrong" (contract §2).
EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_QA = 0, 1, 2, 3


class UsageError(Exception):
    pass


#: argparse's English messages, in French (patterns on the formatted English text).
_ARGPARSE_FR: tuple[tuple[str, str], ...] = (
    (r"the following arguments are required: (.*)", r"arguments obligatoires manquants : \1"),
    (r"unrecognized arguments: (.*)", r"arguments inconnus : \1"),
    (
        r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)",
        r"argument \1 : choix invalide \2 (possibles : \3)",
    ),
    (
        r"argument (\S+): invalid (\S+) value: (.*)",
        r"argument \1 : valeur invalide \3 (attendu : \2)",
    ),
    (r"argument (\S+): expected one argument", r"argument \1 : une valeur est attendue"),
    (
        r"argument (\S+): expected at least one argument",
        r"argument \1 : au moins une valeur est attendue",
    ),
    (r"argument (\S+): not allowed with argument (.*)", r"argument \1 : incompatible avec \2"),
    (r"ambiguous option: (\S+) could match (.*)", r"option ambiguë : \1 peut désigner \2"),
    (r"argument (\S+): (.*)", r"argument \1 : \2"),
)


def _french(message: str) -> str:
    for pattern, repl in _ARGPARSE_FR:
        if re.fullmatch(pattern, message, flags=re.S):
            return re.sub(pattern, repl, message, flags=re.S)
    return message


class _FrenchFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(
        self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None
    ) -> None:
        super().add_usage(usage, actions, groups, "utilisation : " if prefix is None else prefix)


class FrenchParser(argparse.ArgumentParser):
    """argparse in French: usage line, section titles, -h, and usage errors (exit 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _FrenchFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        self.add_argument(
            "-h",
            "--help",
            action="help",
            default=argparse.SUPPRESS,
            help="afficher cette aide et quitter",
        )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog} : erreur d'usage : {_french(message)}\n")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date invalide « {value} » : attendu AAAA-MM-JJ"
        ) from None


def _input_file(name: str) -> Path:
    path = Path(name)
    if path.is_dir():
        raise UsageError(f"« {name} » est un dossier : indiquez les fichiers eux-mêmes.")
    if not path.is_file():
        raise UsageError(f"Le fichier « {name} » n'existe pas.")
    return path


def cmd_extract(args: argparse.Namespace) -> int:
    paths = [_input_file(name) for name in args.files]  # every path checked before any work
    from docproc.sandbox import prestart

    prestart(
        warm=False
    )  # the sandbox imports its reading stack while this process imports the rest
    from docproc.models import Upload
    from docproc.pipeline import extract
    from docproc.progress import Progress

    uploads = []
    for path in paths:
        try:
            uploads.append(Upload(path.name, path.read_bytes()))
        except OSError:
            raise UsageError(f"Impossible de lire le fichier « {path} ».") from None
    # The sandbox's warning names no file (a service log must not); it is said below, with the
    # file's name, so it is muted for this run only (the level is put back: a library caller's
    # logging stays as it was).
    sandbox_log = logging.getLogger("docproc.sandbox")
    level = sandbox_log.level
    sandbox_log.setLevel(logging.ERROR)
    try:
        with Progress("Extraction", quiet=args.quiet or len(uploads) < 2) as progress:
            result = extract(
                uploads,
                args.date or date.today(),
                on_file=lambda n, name: progress.step(n, len(uploads), name),
            ).to_contract()
    finally:
        sandbox_log.setLevel(level)
    for f in result["files"]:
        for c in f["checks"]:
            if not c["ok"] and c["code"] == "fichier.ressources" and c["data"].get("cause"):
                print(
                    f"docproc : « {f['name']} » : lecture interrompue dans le bac à sable "
                    f"({c['data']['cause']}) ; fichier refusé (fichier.ressources), le traitement continue.",
                    file=sys.stderr,
                )
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(summary(result))
    return 0


def summary(result: dict[str, Any]) -> str:
    """A readable French summary of an extraction result, in the demo's words."""
    from docproc.labels import STATUS_LABELS, fields_line, kind_label, twoddoc_line

    lines = []
    for f in result["files"]:
        state = "lu" if f["accepted"] else "refusé"
        lines.append(
            f"Fichier {f['name']} ({f['media_type'] or 'type inconnu'}, {f['pages']} page(s)) : {state}"
        )
        for c in f["checks"]:
            if not c["ok"]:
                lines.append(f"  ✗ {c['message']}")
    if not result["documents"]:
        lines.append("  (aucun document reconnu)")
    for i, d in enumerate(result["documents"], 1):
        pages = ", ".join(f"{p['number'] or '?'}/{p['of'] or '?'}" for p in d["pages"])
        complete = "complet" if d.get("complete") else "incomplet"
        lines.append(
            f"Document {i} : {kind_label(d['kind'])} — {STATUS_LABELS.get(d['status'], d['status'])}, "
            f"{complete} (pages {pages})"
        )
        lines.append(f"  {fields_line(d['kind'], d['fields'])}")
        if (code_line := twoddoc_line(d.get("twoddoc"))) is not None:
            lines.append(f"  {code_line}")
        failed = [c for c in d["checks"] if not c["ok"]]
        for c in failed:
            lines.append(f"  ✗ [{c['level']}] {c['message']}")
        if not failed:
            lines.append("  ✓ tous les contrôles sont satisfaits")
    return "\n".join(lines)


QA_EPILOG = """exemples :
  docproc qa samples --html qa-report.html
  docproc qa samples --json > qa-precedent.json      # une référence
  docproc qa samples --baseline qa-precedent.json    # ce qui a changé depuis

codes de sortie :
  0  toutes les familles atteignent leurs cibles et aucun champ requis n'est faux
  1  une valeur requise au moins est fausse (contrat §2 ; une valeur laissée
     absente avec sa raison n'est pas fausse : elle compte dans la cible) — ou erreur interne ;
     prime sur 3 quand les deux s'appliquent
  2  usage incorrect : dossier introuvable, dossier du rapport --html inexistant,
     --baseline illisible (tout est vérifié avant de lancer les extractions)
  3  aucun champ requis faux, mais une famille est sous sa cible ou, avec --baseline,
     une régression : un taux en baisse ou un nouvel écart sur un échantillon déjà mesuré
     (contrat §6)

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
        raise UsageError(
            f"Le dossier « {parent} » du rapport HTML n'existe pas : créez-le ou choisissez un autre chemin."
        )
    return target


def cmd_qa(args: argparse.Namespace) -> int:
    from docproc import qa, qa_report
    from docproc.progress import Progress

    directory = Path(args.dir)
    if not directory.is_dir():
        raise UsageError(f"Le dossier « {args.dir} » n'existe pas.")
    html_target = _html_target(args.html) if args.html else None
    baseline = None
    if args.baseline:
        try:
            baseline = qa_report.load_baseline(Path(args.baseline))
        except qa_report.BaselineError as exc:
            raise UsageError(str(exc)) from None
    with Progress("QA", quiet=args.quiet) as progress:
        report = qa.run(directory, progress=progress.step, images=html_target is not None)
    details = qa_report.run_details(directory)
    js = report.to_json()
    js["run"] = details
    comparison = qa_report.compare(js, baseline) if baseline is not None else None
    code = report.exit_code()
    if comparison is not None:
        js["comparison"] = comparison
        if code == qa.EXIT_OK and comparison["regressed"]:
            code = qa.EXIT_BELOW_TARGET
    js["exit_code"] = code
    if html_target is not None:
        html_target.write_text(qa.html_report(report, details, comparison), encoding="utf-8")
    print(
        json.dumps(js, ensure_ascii=False, indent=2)
        if args.json
        else qa.text_summary(report, comparison)
    )
    return code


def cmd_eligibility(args: argparse.Namespace) -> int:
    from docproc.eligibility.commande import run_cli

    return run_cli(Path(args.household), args.json)


def _needs_extra(*modules: str) -> None:
    """Usage error (exit 2) when a development tool's libraries are not installed: the sample
    generator, the benchmarks and the demo need the ``dev`` extra, the service does not."""
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(
            f"cette commande a besoin de {', '.join(missing)} : installez l'extra de développement "
            "(pip install -e '.[dev]', ce que fait make setup)."
        )


def cmd_bench(args: argparse.Namespace) -> int:
    _needs_extra("reportlab", "httpx")
    from docproc.bench import run_bench

    return run_bench(as_json=args.json, sections=args.only, avis=args.avis)


def cmd_serve(args: argparse.Namespace) -> int:
    from service.commands import serve

    return serve(args.host, args.port)


def cmd_worker(_args: argparse.Namespace) -> int:
    from service.commands import run_worker

    return run_worker()


def cmd_reextract(args: argparse.Namespace) -> int:
    from service.reextract_cli import run

    return run(args)


def cmd_rotate_key(args: argparse.Namespace) -> int:
    from service.rotate import run

    return run(args)


def cmd_up(args: argparse.Namespace) -> int:
    from service.commands import up

    return up(args.host, args.port, Path(args.data_dir))


def cmd_demo(args: argparse.Namespace) -> int:
    _needs_extra("httpx")
    from service.demo import run_demo

    return run_demo(Path(args.dir))


def cmd_trust(args: argparse.Namespace) -> int:
    from docproc.twoddoc import refresh_trust_cache
    from docproc.twoddoc.trust import default_cache_dir

    if args.action != "refresh":
        raise UsageError("Action inconnue : seule « refresh » existe.")
    count = refresh_trust_cache(default_cache_dir())
    print(f"{count} certificat(s) de signature mis en cache.")
    return 0


MAIN_EPILOG = """exemples :
  docproc extract samples/avis_2025_couple_4p.pdf --json --date 2025-10-01
  docproc qa samples --html qa-report.html --baseline qa-precedent.json
  docproc eligibility docproc/eligibility/examples/famille.json
  docproc settings

codes de sortie :
  0  succès (un document refusé est un résultat, pas une erreur)
  1  erreur interne (une phrase sur stderr ; la trace avec --debug) ;
     pour qa : une valeur requise au moins est fausse (contrat §2)
  2  usage incorrect ou fichier/dossier d'entrée illisible
  3  qa : une famille sous sa cible, ou une régression depuis --baseline

variables d'environnement (voir « docproc settings ») :
  DOCPROC_TRUST_TEST_2DDOC=1  faire confiance à l'autorité de TEST FR00 de l'ANTS
                              (les échantillons en sont signés ; jamais en production)
  DOCPROC_MAX_BYTES, DOCPROC_MAX_PAGES, DOCPROC_MAX_IMAGE_PIXELS, DOCPROC_MAX_FRAMES,
  DOCPROC_SPEC_DIRS           limites et specs supplémentaires de la bibliothèque
  DOCPROC_SETTINGS_FILE       fichier TOML des réglages du service
  DOCPROC_API_KEYS, REDIS_URL, DATABASE_URL, DOCPROC_DATA_DIR  service (serve, worker, up)"""

EXTRACT_EPILOG = """exemples :
  docproc extract avis.pdf
  docproc extract page_1.jpg page_2.jpg page_3.jpg --json --date 2025-10-01

Les fichiers sont les envois d'un même dossier : les pages d'un avis réparties sur plusieurs
fichiers sont regroupées. Tous les chemins sont vérifiés avant la lecture (code 2 sinon).
Sans DOCPROC_TRUST_TEST_2DDOC=1, le 2D-Doc des échantillons (clé de test) n'est pas reconnu.

Chaque fichier est lu dans un processus « bac à sable » limité en mémoire, en temps de calcul
et en durée (DOCPROC_SANDBOX_*) : un fichier qui dépasse est refusé (fichier.ressources, une
ligne sur stderr) et les autres sont lus. Un refus est un résultat : code de sortie 0."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("docproc")
    except PackageNotFoundError:
        return "inconnue"


class _VersionAction(argparse.Action):
    """``--version``, read from the package metadata only when asked (importlib.metadata costs
    more start-up time than the whole argument parsing)."""

    def __init__(
        self,
        option_strings: list[str],
        dest: str = argparse.SUPPRESS,
        default: str = argparse.SUPPRESS,
        help: str | None = None,
    ) -> None:  # noqa: A002
        super().__init__(
            option_strings=option_strings, dest=dest, default=default, nargs=0, help=help
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> NoReturn:
        print(f"docproc {_version()}")
        parser.exit()


def cmd_settings(args: argparse.Namespace) -> int:
    from docproc.settings import describe as library
    from service.settings import describe as service

    rows = library() + service()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return 0
    width = max(len(r["name"]) for r in rows)
    for section in ("bibliothèque", "service"):
        print(f"Réglages effectifs — {section} :")
        for r in rows:
            if r["section"] == section:
                print(f"  {r['name']:{width}s} = {r['value']!s:30s} ({r['origin']})")
        print()
    return 0


def parser() -> argparse.ArgumentParser:
    p = FrenchParser(
        prog="docproc", description="Lecture et contrôle des justificatifs CSS.", epilog=MAIN_EPILOG
    )
    p.add_argument("--version", action=_VersionAction, help="afficher la version et quitter")
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
        "--date", type=_date, help="date de la demande (AAAA-MM-JJ), par défaut aujourd'hui"
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
