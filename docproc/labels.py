"""French labels for people, shared by ``docproc extract``'s summary (the same words as the demo)."""

from __future__ import annotations

from typing import Any

STATUS_LABELS = {"accepted": "accepté", "rejected": "refusé", "needs_review": "à vérifier"}
SITUATIONS = {
    "M": "marié(e)s",
    "O": "pacsé(e)s",
    "D": "divorcé(e)/séparé(e)",
    "C": "célibataire",
    "V": "veuf(ve)",
}


def money(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.0f} €".replace(",", "\u202f")
    return str(value)


def kind_label(kind: str) -> str:
    """A kind for people: its spec's ``name``, capitalised ("Avis de taxe foncière")."""
    from docproc.extractors.spec import spec_for

    spec = spec_for(kind)
    if spec is None:
        return "Document non reconnu" if kind == "inconnu" else kind
    return spec.name[:1].upper() + spec.name[1:]


def _reads_declarants(kind: str) -> bool:
    from docproc.extractors.spec import spec_for

    spec = spec_for(kind)
    return spec is not None and any(f.parser == "declarants" for f in spec.fields)


def fields_line(kind: str, fields: dict[str, Any]) -> str:
    """The key fields of a document in one French line."""
    parts = []
    if _reads_declarants(kind):
        if "annee_revenus" in fields:
            parts.append(f"revenus {fields['annee_revenus']}")
        if "annee_avis" in fields:
            parts.append(f"établi en {fields['annee_avis']}")
        if "revenu_fiscal_reference" in fields:
            parts.append(f"revenu fiscal de référence {money(fields['revenu_fiscal_reference'])}")
        if "nombre_parts" in fields:
            parts.append(f"{str(fields['nombre_parts']).replace('.', ',')} part(s)")
        if "situation_famille" in fields:
            parts.append(
                SITUATIONS.get(str(fields["situation_famille"]), str(fields["situation_famille"]))
            )
        if "personnes_a_charge" in fields:
            parts.append(f"{fields['personnes_a_charge']} personne(s) à charge")
        if "declarants" in fields:
            parts.append(f"{len(fields['declarants'])} déclarant(s)")
        if "montant_impot" in fields:
            parts.append(f"impôt {money(fields['montant_impot'])}")
    else:
        for key, value in fields.items():
            if isinstance(value, str | int | float | bool):
                parts.append(f"{key} : {value}")
    return " ; ".join(parts) if parts else "aucun champ lu"


def twoddoc_line(code: Any) -> str | None:
    """The 2D-Doc of a document in a few words, or None when it carries none."""
    if not isinstance(code, dict) or not code.get("present"):
        return None
    if code.get("valid_signature"):
        return "2D-Doc : signature valide"
    return f"2D-Doc : signature non reconnue ({code.get('reason', '')})"
