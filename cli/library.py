"""The library's commands: ``extract``, ``qa``, ``eligibility`` and ``trust refresh`` (no service
module, no Redis). Each imports the heavy modules it needs when it runs."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Any

from cli.parsing import UsageError, input_file


def cmd_extract(args: argparse.Namespace) -> int:
    paths = [input_file(name) for name in args.files]  # every path checked before any work
    from docproc.sandbox_spawn import start_early

    start_early()  # the sandbox's child imports its reading stack while this process goes on
    from docproc.models import Upload
    from docproc.pipeline import extract, prepare
    from docproc.progress import Progress

    prepare()  # the specs and the 2D-Doc verifier, while the sandbox is still starting

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
        import json  # imported here: nothing before the sandbox child starts needs it

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
    import json

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


def cmd_trust(args: argparse.Namespace) -> int:
    from docproc.twoddoc import refresh_trust_cache
    from docproc.twoddoc.trust import default_cache_dir

    if args.action != "refresh":
        raise UsageError("Action inconnue : seule « refresh » existe.")
    count = refresh_trust_cache(default_cache_dir())
    print(f"{count} certificat(s) de signature mis en cache.")
    return 0
