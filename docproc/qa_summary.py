"""QA's readable outputs: the French text summary with its family and kind tables, and the HTML report's data."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from docproc.qa_tally import (
    EXIT_BELOW_TARGET,
    EXIT_OK,
    EXIT_REQUIRED_WRONG,
    METRIC_FR,
    METRICS,
    QAReport,
    pct,
)

_STATUS_FR = {"pass": "réussi", "fail": "ÉCHEC", "absent": "absente (aucun échantillon)"}


def _targets_fr(targets: dict[str, Any] | None) -> str:
    if targets is None:
        return "aucune"
    parts = [f"{METRIC_FR[m]} ≥ {pct(targets[m])}" for m in METRICS if targets.get(m) is not None]
    return ", ".join(parts)


def _ratio(ok: int, total: int) -> str:
    return f"{ok}/{total} {pct(ok / total)}" if total else "—"


def family_table(r: QAReport) -> list[str]:
    lines = [
        "Par famille :",
        f"  {'famille':11s} {'éch.':>4s}  {'champs':>17s}  {'complétude':>15s}  {'2D-Doc lus/imprimés':>19s}  "
        f"{'résultat':9s} cible",
    ]
    for name, f in r.families().items():
        fl, co, tw = f["fields"], f["completeness"], f["twoddoc"]
        lines.append(
            f"  {name:11s} {f['samples']:4d}  {_ratio(fl['ok'], fl['total']):>17s}  "
            f"{_ratio(co['ok'], co['total']):>15s}  {_ratio(tw['decoded'], tw['printed']):>19s}  "
            f"{_STATUS_FR[f['status']]:9s} {_targets_fr(f['targets'])}"
        )
        lines.extend(f"      ✗ {why}" for why in f["failures"])
    return lines


def kind_table(r: QAReport) -> list[str]:
    lines = [
        "Par type de document (type attendu) :",
        f"  {'type':24s} {'docs':>4s}  {'champs':>17s}  {'complétude':>15s}  {'2D-Doc lus/imprimés':>19s}",
    ]
    for name, k in r.kinds().items():
        fl, co, tw = k["fields"], k["completeness"], k["twoddoc"]
        lines.append(
            f"  {name:24s} {k['documents']:4d}  {_ratio(fl['ok'], fl['total']):>17s}  "
            f"{_ratio(co['ok'], co['total']):>15s}  {_ratio(tw['decoded'], tw['printed']):>19s}"
        )
    return lines


def text_summary(r: QAReport, comparison: dict[str, Any] | None = None) -> str:
    js = r.to_json()
    lines = [f"Échantillons : {r.samples}", "", "Exactitude par champ :"]
    for k, v in js["counts"].items():
        lines.append(f"  {k:32s} {v['ok']:4d}/{v['total']:<4d} {100 * v['ok'] / v['total']:6.1f} %")
    lines.append("")
    lines.append(
        "Exactitude par variante : "
        + ", ".join(f"{k} {100 * v:.1f} %" for k, v in js["accuracy_by_variant"].items())
    )
    lines.append("")
    lines.extend(family_table(r))
    lines.append("")
    lines.extend(kind_table(r))
    lines.append("")
    lines.append("Confusion des types (attendu → obtenu) :")
    for c in js["confusion"]:
        lines.append(f"  {c['expected']:24s} → {c['got']:24s} {c['count']}")
    timing = r.timing()
    if timing:
        lines.append("")
        lines.append(
            "Temps d'extraction par famille : "
            + ", ".join(
                f"{k} {v['seconds']:.1f} s ({v['per_sample']:.2f} s/éch.)"
                for k, v in timing.items()
            )
        )
    lines.append("")
    lines.append(
        f"Écarts : {len(r.mismatches)} (dont {len(r.required_mismatches())} valeur(s) requise(s) fausse(s) ;"
        " une valeur laissée absente n'est pas fausse, elle compte dans la cible)"
    )
    from docproc.qa_report import comparison_lines, diff_text

    for m in r.mismatches:
        where = m.get("where") or {}
        at = f" (lu en {where.get('source')}, page {where.get('page')})" if where else ""
        lines.append(
            f"  {m['sample']} doc {m['document'] + 1} {m['field']} : attendu "
            f"{json.dumps(m['expected'], ensure_ascii=False)} obtenu {json.dumps(m['got'], ensure_ascii=False)}{at}"
        )
        if m["expected"] is not None and m["got"] is not None:
            lines.append(f"      différence : {diff_text(m['expected'], m['got'])}")
    code = r.exit_code()
    if comparison is not None:
        lines.append("")
        lines.extend(comparison_lines(comparison))
        if code == EXIT_OK and comparison["regressed"]:
            code = EXIT_BELOW_TARGET
    lines.append("")
    lines.append(
        {
            EXIT_OK: "Résultat : toutes les familles atteignent leurs cibles"
            + (", sans régression." if comparison is not None else "."),
            EXIT_REQUIRED_WRONG: "Résultat : échec, un champ requis au moins est faux (code de sortie 1).",
            EXIT_BELOW_TARGET: "Résultat : échec, une famille au moins est sous sa cible"
            + (" ou une régression depuis la référence" if comparison is not None else "")
            + " (code de sortie 3).",
        }[code]
    )
    return "\n".join(lines)


def _by_field(mismatches: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Field → numbers (from 1) of its mismatches, for the links of the HTML report."""
    out: dict[str, list[int]] = defaultdict(list)
    for n, m in enumerate(mismatches, 1):
        out[str(m["field"])].append(n)
    return dict(out)


def html_report(
    r: QAReport, details: dict[str, Any] | None = None, comparison: dict[str, Any] | None = None
) -> str:
    """The HTML report (template ``docproc/qa_report.html``), with the regression view if given."""
    from docproc import qa_images, qa_report

    js = r.to_json()
    if comparison is not None and comparison["regressed"] and js["exit_code"] == EXIT_OK:
        js["exit_code"] = EXIT_BELOW_TARGET
    names = set(js["families"])
    return qa_report.render_html(
        js,
        {
            "images": r.images
            or {i: {"page": uri} for i, uri in qa_images.page_images(js["mismatches"]).items()},
            "run": details or qa_report.run_details(),
            "comparison": comparison,
            "families_run": [name for name, f in js["families"].items() if f["samples"]],
            "by_field": _by_field(js["mismatches"]),
            "status_fr": _STATUS_FR,
            "metrics_fr": METRIC_FR,
            "targets_fr": {n: _targets_fr(js["families"][n]["targets"]) for n in names},
            "changes": {
                "worse": "en baisse",
                "better": "en hausse",
                "new": "nouveau",
                "gone": "disparu",
            },
        },
    )
