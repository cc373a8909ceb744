"""What the agents' pages show, in French: the labels of statuses and sources, each document's fields, boxes and checks, the dossier's page context, and an agent's typed value read from a form."""

from __future__ import annotations

import json
from typing import Any

from docproc.extractors.values import INTEGER_TYPES
from service import review_backend, worklist
from service.api_errors import ApiError
from service.auth import Client
from service.backend import Service
from service.review_overlay import field_page, field_type
from service.views import dossier_view

LEVELS = {
    "critical": ("bloquant", "error"),
    "error": ("bloquant", "error"),
    "warning": ("avertissement", "warning"),
    "info": ("information", "info"),
}


SOURCES = {"text": "texte du PDF", "ocr": "OCR", "2ddoc": "2D-Doc", "agent": "agent"}


EXTRA_LABELS = {"annee_revenus": "l'année des revenus", "annee_avis": "l'année de l'avis"}


DOSSIER_STATUSES = {
    "empty": "vide",
    "processing": "en cours de lecture",
    "failed": "en échec",
    "complete": "lu",
    "needs_review": "à vérifier",
    "reviewed": "vérifié",
}


REVIEW_REASONS = {
    "statut": "lecture incertaine",
    "champ_obligatoire_manquant": "champ obligatoire manquant",
    "controle_bloquant": "contrôle bloquant en échec",
    "desaccord_agent_machine": "nouvelle lecture différente de la correction",
}


ELIGIBILITY = {
    "css_gratuite": "Droit à la CSS sans participation financière",
    "css_participation": "Droit à la CSS avec participation financière",
    "non_eligible": "Pas de droit à la CSS",
}


JOB_STATUSES = {
    "queued": "en attente",
    "started": "en cours",
    "finished": "terminée",
    "failed": "en échec",
}


def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dict):
        return ", ".join(f"{k} : {fmt(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(fmt(v) for v in value) if value else "—"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1000:
            return f"{int(value):,}".replace(",", "\u202f")
        return (
            f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")
            if abs(value) >= 1000
            else str(value).replace(".", ",")
        )
    return str(value)


def form_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Labels:
    """Field names for people: the spec's label, or ours for the page-counter fields."""

    def __init__(self, kind: str) -> None:
        from docproc.extractors.spec import spec_for

        self.spec = spec_for(kind)

    def field_label(self, name: str) -> str:
        label = self.spec.field_label(name) if self.spec else name
        return EXTRA_LABELS.get(name, label) if label == name else label


def document_context(dossier_id: str, doc: dict[str, Any], dpi: int) -> dict[str, Any]:
    from docproc.extractors.spec import spec_for
    from docproc.labels import kind_label

    kind = str(doc.get("kind"))
    spec: Any = Labels(kind)
    provenance = doc.get("provenance") or {}
    fields = doc.get("fields") or {}
    rows = []
    for name, value in fields.items():
        got = provenance.get(name)
        prov: dict[str, Any] = got if isinstance(got, dict) else {}
        rows.append(
            {
                "name": name,
                "label": spec.field_label(name) if spec else name,
                "value": fmt(value),
                "raw": value,
                "source": SOURCES.get(str(prov.get("source")), str(prov.get("source") or "—")),
                "is_agent": prov.get("source") == "agent",
                "confidence": prov.get("confidence"),
                "page": prov.get("page"),
                "machine_value": fmt(prov.get("machine_value")),
                "disagreement": bool(prov.get("disagreement") and prov.get("machine_changed")),
                "has_bbox": isinstance(prov.get("bbox"), list),
                "reason": prov.get("reason"),
                "author": prov.get("author"),
            }
        )
    missing = [
        {"name": n, "label": spec.field_label(n) if spec else n, "reason": r}
        for n, r in (doc.get("missing_fields") or {}).items()
        if n not in fields
    ]
    # Page images, with the boxes of the fields read on each page.
    pages = []
    for index, page in enumerate(p for p in doc.get("pages") or [] if isinstance(p, dict)):
        file_id = page.get("file_id")
        if not file_id:
            continue
        boxes = []
        for name, prov in provenance.items():
            if not isinstance(prov, dict):
                continue
            target = field_page(doc, prov.get("page"))
            if target is not page:
                continue
            for key, css in (("bbox", "valeur"), ("label_bbox", "libelle")):
                # the file's own pixels are shown: an OCR'd photo's box is taken back to them
                box = page_box(prov.get(f"file_{key}") or prov.get(key))
                if box is not None:
                    boxes.append(
                        {
                            "field": name,
                            "label": spec.field_label(name) if spec else name,
                            "kind": css,
                            "agent": prov.get("source") == "agent",
                            **box,
                        }
                    )
        pages.append(
            {
                "index": index + 1,
                "number": page.get("number"),
                "of": page.get("of"),
                "file_page": page.get("page"),
                "file_id": file_id,
                "boxes": boxes,
                "src": f"/agent/dossiers/{dossier_id}/fichiers/{file_id}/pages/{page.get('page')}.png?dpi={dpi}",
            }
        )
    correctable: list[dict[str, Any]] = []
    spec_fields = spec_for(kind)
    if spec_fields is not None:
        for fs in spec_fields.fields:
            if fs.name.startswith("_") or fs.name in [c["name"] for c in correctable]:
                continue
            correctable.append(
                {
                    "name": fs.name,
                    "label": spec.field_label(fs.name),
                    "type": field_type(kind, fs.name),
                    "current": form_value(fields.get(fs.name)),
                }
            )
    for name in ("annee_revenus", "annee_avis"):
        if field_type(kind, name) and name not in [c["name"] for c in correctable]:
            correctable.append(
                {
                    "name": name,
                    "label": spec.field_label(name),
                    "type": "year",
                    "current": form_value(fields.get(name)),
                }
            )
    checks = [
        {
            "message": c.get("message"),
            "ok": c.get("ok"),
            "level": LEVELS.get(str(c.get("level")), ("", "info")),
        }
        for c in doc.get("checks") or []
        if isinstance(c, dict)
    ]
    checks.sort(key=lambda c: (c["ok"] is not False, c["level"] != LEVELS["critical"]))
    return {
        "id": doc.get("id"),
        "kind": kind,
        "kind_label": kind_label(kind),
        "status": doc.get("status"),
        "machine_status": doc.get("machine_status"),
        "decision": doc.get("decision"),
        "review": doc.get("review") or {},
        "fields": rows,
        "missing": missing,
        "pages": pages,
        "checks": checks,
        "twoddoc": doc.get("twoddoc"),
        "correctable": correctable,
        "complete": doc.get("complete"),
        "missing_pages": doc.get("missing_pages") or [],
    }


def page_box(raw: Any) -> dict[str, float] | None:
    if not isinstance(raw, list | tuple) or len(raw) != 4:
        return None
    try:
        x0, y0, x1, y1 = (min(1.0, max(0.0, float(v))) for v in raw)
    except (TypeError, ValueError):
        return None
    if x1 <= x0 or y1 <= y0:
        return None
    return {
        "left": round(x0 * 100, 3),
        "top": round(y0 * 100, 3),
        "width": round((x1 - x0) * 100, 3),
        "height": round((y1 - y0) * 100, 3),
    }


def dossier_context(service: Service, client: Client, dossier_id: str, dpi: int) -> dict[str, Any]:
    dossier, files, jobs = service.load_dossier(client, dossier_id)
    view = dossier_view(dossier, files, jobs)
    documents = review_backend.reviewed_documents(service, dossier)
    summary = worklist.summarise(
        dossier, job_counter(jobs), review_backend.load_state(service, dossier)
    )
    eligibility, eligibility_error = None, None
    if dossier.household is not None:
        from service.eligibility_view import evaluate_dossier

        try:
            eligibility = evaluate_dossier(dossier, files, jobs, documents)
        except ApiError as exc:
            eligibility_error = exc.message
    running = next((j for j in reversed(jobs) if j.status in ("queued", "started")), None)
    return {
        "dossier": view,
        "summary": summary,
        "status_label": DOSSIER_STATUSES.get(summary["status"], ""),
        "documents": [document_context(dossier_id, d, dpi) for d in documents],
        "eligibility": eligibility,
        "eligibility_label": ELIGIBILITY.get(str((eligibility or {}).get("decision")), ""),
        "eligibility_error": eligibility_error,
        "running_job": running.id if running else None,
        "audit": review_backend.audit_trail(service, client, dossier_id, dossier),
        "review_reasons": REVIEW_REASONS,
        "job_statuses": JOB_STATUSES,
        "fmt": fmt,
    }


def job_counter(jobs: list[Any]) -> Any:
    from collections import Counter

    return Counter(j.status for j in jobs)


def parse_typed(kind: str, name: str, raw: str) -> Any:
    """The form's text turned into the field's JSON type (then validated by the API's rules)."""
    ftype = field_type(kind, name) or ""
    text = raw.strip()
    if ftype in INTEGER_TYPES or ftype == "convert":
        digits = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace("€", "")
        try:
            return int(digits)
        except ValueError:
            raise ApiError(
                422, "field.invalid", "Saisissez un nombre entier (sans décimales)."
            ) from None
    if ftype == "parts":
        try:
            return float(text.replace(",", "."))
        except ValueError:
            raise ApiError(
                422, "field.invalid", "Saisissez un nombre de parts, par exemple 2,5."
            ) from None
    if ftype == "flag":
        return text.lower() in ("true", "oui", "vrai", "1")
    if ftype == "choice":
        from docproc.extractors.spec import spec_for

        spec = spec_for(kind)
        for fs in spec.fields if spec else ():
            for c in fs.choices if fs.name == name else ():
                if form_value(c.value).lower() == text.lower():
                    return c.value
        return text
    if ftype.startswith("list:"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise ApiError(422, "field.invalid", "Saisissez une liste au format JSON.") from None
    return text
