"""QA report helpers: run details, character diffs, the regression view against a baseline, HTML
(the images it embeds: :mod:`docproc.qa_images`).

``docproc qa --json`` output is also the baseline format: ``--baseline previous.json`` compares
the current run with it field by field, family by family and mismatch by mismatch.
"""

from __future__ import annotations

import difflib
import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: Tolerance under which two rates are the same (rates are rounded to 4 decimals).
EPSILON = 1e-9
#: Environment variables that change what QA measures (reported with each run).
RELEVANT_ENV = (
    "DOCPROC_TRUST_TEST_2DDOC",
    "DOCPROC_SPEC_DIRS",
    "DOCPROC_OCR_THREADS",
    "DOCPROC_OCR_PAGE_TIMEOUT",
    "DOCPROC_TESSDATA",
    "OMP_THREAD_LIMIT",
)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _version

    try:
        return _version("docproc")
    except PackageNotFoundError:
        return "inconnue"


def git_commit(where: Path | None = None) -> str | None:
    """The commit of the checkout holding the package (``+modifié`` when the tree is dirty)."""
    folder = where or Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("+modifié" if dirty.stdout.strip() else "")


def run_details(directory: Path | None = None) -> dict[str, Any]:
    """Date, version, commit and the settings that change the numbers."""
    from docproc.settings import get_settings

    s = get_settings()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": version(),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "samples_dir": str(directory) if directory is not None else None,
        "settings": {
            "max_bytes": s.max_bytes,
            "max_pages": s.max_pages,
            "max_image_pixels": s.max_image_pixels,
            "max_frames": s.max_frames,
            "spec_dirs": [str(p) for p in s.spec_dirs],
        },
        "environment": {k: os.environ[k] for k in RELEVANT_ENV if k in os.environ},
    }


# --- character diffs -------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def char_diff(want: Any, got: Any) -> list[tuple[str, str]]:
    """Segments ``(op, text)`` turning ``want`` into ``got``; op is ``=``, ``-`` (only expected)
    or ``+`` (only obtained). Scalars are compared character by character, lists item by item
    (items joined by ", "), anything else as a whole."""
    if isinstance(want, list) and isinstance(got, list):
        a, b = [_text(x) for x in want], [_text(x) for x in got]
        out: list[tuple[str, str]] = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == "equal":
                out.append(("=", ", ".join(a[i1:i2])))
            else:
                if i2 > i1:
                    out.append(("-", ", ".join(a[i1:i2])))
                if j2 > j1:
                    out.append(("+", ", ".join(b[j1:j2])))
        return out
    if want is None or got is None or isinstance(want, dict) or isinstance(got, dict):
        return [
            s
            for s in (
                ("-", _text(want)) if want is not None else None,
                ("+", _text(got)) if got is not None else None,
            )
            if s is not None
        ]
    a_text, b_text = _text(want), _text(got)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, a_text, b_text, autojunk=False
    ).get_opcodes():
        if op == "equal":
            out.append(("=", a_text[i1:i2]))
            continue
        if i2 > i1:
            out.append(("-", a_text[i1:i2]))
        if j2 > j1:
            out.append(("+", b_text[j1:j2]))
    return out


def diff_text(want: Any, got: Any) -> str:
    """A one-line diff for terminals: ``[-expected-]{+obtained+}`` around what differs."""
    marks = {"=": "{}", "-": "[-{}-]", "+": "{{+{}+}}"}
    return "".join(marks[op].format(text) for op, text in char_diff(want, got))


# --- regression view -------------------------------------------------------------------------


class BaselineError(ValueError):
    """The baseline file is not a ``docproc qa --json`` report."""


def load_baseline(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise BaselineError(f"Impossible de lire le fichier de référence « {path} ».") from None
    except ValueError:
        raise BaselineError(
            f"« {path} » n'est pas du JSON : attendu la sortie de « docproc qa --json »."
        ) from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("counts"), dict)
        or "mismatches" not in data
    ):
        raise BaselineError(
            f"« {path} » n'est pas un rapport « docproc qa --json » (clés counts et mismatches attendues)."
        )
    return data


def _key(m: dict[str, Any]) -> tuple[str, int, str]:
    return (str(m["sample"]), int(m["document"]), str(m["field"]))


def _rate(entry: dict[str, Any] | None) -> float | None:
    if not entry or not entry.get("total"):
        return None
    return float(entry["ok"]) / float(entry["total"])


def _change(before: float | None, after: float | None) -> str:
    if before is None and after is None:
        return "same"
    if before is None:
        return "new"
    if after is None:
        return "gone"
    if after < before - EPSILON:
        return "worse"
    if after > before + EPSILON:
        return "better"
    return "same"


def compare(current: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """What got better or worse since ``baseline`` (both are ``QAReport.to_json()`` outputs).

    A regression is a field or family rate that dropped, or a mismatch on a sample the baseline
    also ran that it did not have. Samples new since the baseline are not regressions."""
    fields = []
    for name in sorted(set(current["counts"]) | set(baseline["counts"])):
        now, then = current["counts"].get(name), baseline["counts"].get(name)
        before, after = _rate(then), _rate(now)
        fields.append(
            {
                "field": name,
                "before": then,
                "after": now,
                "rate_before": None if before is None else round(before, 4),
                "rate_after": None if after is None else round(after, 4),
                "change": _change(before, after),
            }
        )
    families = []
    for name in sorted(set(current.get("families", {})) | set(baseline.get("families", {}))):
        for metric in ("fields", "completeness", "twoddoc"):
            now_m = current.get("families", {}).get(name, {}).get(metric) or {}
            then_m = baseline.get("families", {}).get(name, {}).get(metric) or {}
            before, after = then_m.get("rate"), now_m.get("rate")
            change = _change(before, after)
            if before is None and after is None:
                continue
            families.append(
                {
                    "family": name,
                    "metric": metric,
                    "rate_before": before,
                    "rate_after": after,
                    "change": change,
                }
            )
    known = set(baseline.get("sample_names") or [])
    then_keys = {_key(m) for m in baseline["mismatches"]}
    now_keys = {_key(m) for m in current["mismatches"]}
    new = [
        m
        for m in current["mismatches"]
        if _key(m) not in then_keys and (not known or m["sample"] in known)
    ]
    fixed = [
        m
        for m in baseline["mismatches"]
        if _key(m) not in now_keys
        and (not current.get("sample_names") or m["sample"] in current["sample_names"])
    ]
    worse = [f for f in fields if f["change"] == "worse"] + [
        f for f in families if f["change"] == "worse"
    ]
    better = [f for f in fields if f["change"] == "better"] + [
        f for f in families if f["change"] == "better"
    ]
    return {
        "baseline": {"run": baseline.get("run"), "samples": baseline.get("samples")},
        "fields": fields,
        "families": families,
        "new_mismatches": new,
        "fixed_mismatches": fixed,
        "regressions": len(worse) + len(new),
        "improvements": len(better) + len(fixed),
        "regressed": bool(worse or new),
    }


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.1f} %"


_METRICS_FR = {"fields": "champs", "completeness": "complétude", "twoddoc": "2D-Doc décodés"}
_CHANGE_FR = {
    "worse": "en baisse",
    "better": "en hausse",
    "new": "nouveau",
    "gone": "disparu",
    "same": "inchangé",
}


def comparison_lines(cmp: dict[str, Any]) -> list[str]:
    """The regression view for the terminal (French)."""
    run = cmp["baseline"].get("run") or {}
    lines = [
        f"Comparaison avec la référence ({run.get('date', 'date inconnue')}, "
        f"commit {str(run.get('git_commit') or 'inconnu')[:12]}) : "
        f"{cmp['regressions']} régression(s), {cmp['improvements']} amélioration(s)"
    ]
    for f in cmp["fields"]:
        if f["change"] in ("worse", "better", "new", "gone"):
            lines.append(
                f"  {'▼' if f['change'] == 'worse' else '▲' if f['change'] == 'better' else '•'} "
                f"champ {f['field']:32s} {_pct(f['rate_before'])} → {_pct(f['rate_after'])} "
                f"({_CHANGE_FR[f['change']]})"
            )
    for f in cmp["families"]:
        if f["change"] in ("worse", "better"):
            lines.append(
                f"  {'▼' if f['change'] == 'worse' else '▲'} famille {f['family']} ({_METRICS_FR.get(f['metric'], f['metric'])}) "
                f"{_pct(f['rate_before'])} → {_pct(f['rate_after'])} ({_CHANGE_FR[f['change']]})"
            )
    for m in cmp["new_mismatches"]:
        lines.append(
            f"  ✗ nouvel écart : {m['sample']} doc {int(m['document']) + 1} {m['field']} : "
            f"{diff_text(m['expected'], m['got'])}"
        )
    for m in cmp["fixed_mismatches"]:
        lines.append(f"  ✓ corrigé : {m['sample']} doc {int(m['document']) + 1} {m['field']}")
    return lines


# --- HTML ------------------------------------------------------------------------------------


def render_html(report: dict[str, Any], extras: dict[str, Any]) -> str:
    """The self-contained HTML report (Jinja2, autoescaped, no external resource)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = _pct
    env.globals["char_diff"] = char_diff
    return env.get_template("qa_report.html").render(r=report, **extras)
