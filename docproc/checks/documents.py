"""Document-level checks on an avis d'impôt or ASDIR: kind, pages, identifiers, year, specimen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from docproc.checks import failed, passed
from docproc.extractors.values import nif_key_ok
from docproc.grouping import Group
from docproc.models import Check

KIND_NAMES = {"avis_impot_revenu": "l'avis d'impôt", "asdir": "l'avis de situation déclarative"}

FIELD_NAMES = {
    "declarants": "le nom des déclarants", "reference_avis": "la référence de l'avis",
    "revenu_fiscal_reference": "le revenu fiscal de référence", "nombre_parts": "le nombre de parts",
    "date_mise_en_recouvrement": "la date de mise en recouvrement", "montant_impot": "le montant à payer ou à rembourser",
    "situation_famille": "la situation de famille", "personnes_a_charge": "le nombre de personnes à charge",
    "revenu_brut_global": "le revenu brut global", "revenu_imposable": "le revenu imposable",
    "impot_revenu_net": "l'impôt sur le revenu net", "revenus": "le détail des revenus",
}

#: The new avis reaches households from late July; until the end of this month-day the
#: previous one is still accepted with a warning (the "summer switch").
NEW_AVIS_FROM = (8, 1)
SWITCH_UNTIL = (10, 31)


@dataclass(frozen=True)
class DocFacts:
    kind: str
    group: Group
    fields: dict[str, Any]
    missing: dict[str, str]
    request_date: date
    specimen: bool


def _pages_phrase(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"la page {numbers[0]}"
    return "les pages " + ", ".join(str(n) for n in numbers[:-1]) + f" et {numbers[-1]}"


def kind_accepted(f: DocFacts) -> Check:
    if f.kind == "avis_impot_revenu":
        return passed("document.type", "critical", "Le document est un avis d'impôt sur le revenu.")
    if f.kind == "asdir":
        if f.fields.get("valant_avis_impot"):
            return passed("document.type", "critical", "L'avis de situation déclarative vaut avis d'impôt.")
        return failed("document.type", "critical",
                      "Cet avis de situation déclarative ne vaut pas avis d'impôt : envoyez votre avis d'impôt sur le revenu.")
    if f.kind == "declaration_revenus":
        return failed("document.type", "critical",
                      "Vous avez envoyé une déclaration de revenus : c'est l'avis d'impôt, reçu après la déclaration, qui est demandé.")
    return failed("document.type", "critical",
                  "Ce document n'a pas été reconnu comme un avis d'impôt sur le revenu : vérifiez le fichier envoyé.")


def pages_complete(f: DocFacts) -> Check:
    g, name = f.group, KIND_NAMES.get(f.kind, "l'avis")
    if g.total is None:
        return failed("pages.completes", "critical",
                      f"Seule la première page de {name} a été reçue : envoyez toutes ses pages." if g.first
                      else f"Le nombre de pages de {name} n'a pas pu être déterminé : envoyez toutes ses pages.",
                      total=None, missing_pages=[])
    if g.missing:
        return failed("pages.completes", "critical",
                      f"Il manque {_pages_phrase(g.missing)} sur {g.total} de {name}.",
                      total=g.total, missing_pages=g.missing)
    return passed("pages.completes", "critical", f"Toutes les pages de {name} ont été reçues.", total=g.total)


def pages_consistent(f: DocFacts) -> Check:
    if f.group.totals_disagree:
        return failed("pages.numerotation", "warning",
                      "La numérotation des pages n'est pas cohérente : vérifiez qu'elles viennent du même avis.")
    return passed("pages.numerotation", "warning", "La numérotation des pages est cohérente.")


def pages_not_mixed(f: DocFacts) -> Check:
    if f.group.mixed_with_other:
        return failed("pages.melange", "critical",
                      "Un même fichier contient les pages de plusieurs avis différents : envoyez un fichier par avis.")
    return passed("pages.melange", "critical", "Les pages appartiennent toutes au même avis.")


def pages_duplicated(f: DocFacts) -> Check:
    n = len(f.group.duplicates)
    if n:
        return failed("pages.doublons", "info", f"{n} page(s) reçue(s) en double ont été ignorée(s).", count=n)
    return passed("pages.doublons", "info", "Aucune page en double.")


def numeros_fiscaux(f: DocFacts) -> Check:
    bad = [i + 1 for i, d in enumerate(f.fields.get("declarants", []))
           if d.get("numero_fiscal") and not nif_key_ok(d["numero_fiscal"])]
    if bad:
        return failed("numero_fiscal.format", "warning",
                      "Le numéro fiscal lu ne respecte pas le format attendu (clé de contrôle) : le document doit être vérifié.",
                      declarants=bad)
    return passed("numero_fiscal.format", "warning", "Les numéros fiscaux ont un format valide.")


def reference_year(f: DocFacts) -> Check:
    ref, year = f.fields.get("reference_avis"), f.fields.get("annee_avis")
    if ref and year and int(ref[:2]) < year % 100:
        return failed("reference_avis.format", "warning",
                      "La référence de l'avis ne correspond pas à l'année de l'avis.")
    return passed("reference_avis.format", "warning", "La référence de l'avis a un format valide.")


def latest_avis_year(request: date) -> int:
    return request.year if (request.month, request.day) >= NEW_AVIS_FROM else request.year - 1


def avis_year(f: DocFacts) -> Check:
    year = f.fields.get("annee_avis")
    if year is None:
        return failed("annee.avis", "warning", "L'année de l'avis n'a pas pu être lue.")
    latest = latest_avis_year(f.request_date)
    in_switch = NEW_AVIS_FROM <= (f.request_date.month, f.request_date.day) <= SWITCH_UNTIL
    data = {"annee_avis": year, "annee_attendue": latest}
    if year >= latest:
        return passed("annee.avis", "critical", "L'avis est le plus récent disponible à la date de la demande.", **data)
    if year == latest - 1 and in_switch:
        return failed("annee.avis", "warning",
                      f"L'avis établi en {latest} est disponible : il sera demandé s'il n'est pas encore reçu, celui-ci est accepté provisoirement.",
                      **data)
    return failed("annee.avis", "critical",
                  f"Cet avis est trop ancien : envoyez l'avis d'impôt établi en {latest} (revenus {latest - 1}).", **data)


def not_specimen(f: DocFacts) -> Check:
    if f.specimen:
        return failed("document.specimen", "critical", "Ce document est un spécimen, pas un avis réel.")
    return passed("document.specimen", "critical", "Le document n'est pas un spécimen.")


def fields_read(f: DocFacts) -> Check:
    if f.missing and not f.group.complete:
        return passed("champs.illisibles", "warning",
                      "Les informations seront vérifiées quand toutes les pages auront été reçues.",
                      fields=sorted(f.missing))
    if f.missing:
        names = [FIELD_NAMES.get(k, k) for k in sorted(f.missing)]
        return failed("champs.illisibles", "warning",
                      "Certaines informations n'ont pas pu être lues : " + ", ".join(names) + ".",
                      fields=sorted(f.missing), reasons=f.missing)
    return passed("champs.illisibles", "warning", "Toutes les informations attendues ont été lues.")


AVIS_CHECKS = (kind_accepted, pages_complete, pages_consistent, pages_not_mixed, pages_duplicated,
               numeros_fiscaux, reference_year, avis_year, not_specimen, fields_read)
OTHER_CHECKS = (kind_accepted,)


def run(f: DocFacts) -> list[Check]:
    checks = AVIS_CHECKS if f.kind in KIND_NAMES else OTHER_CHECKS
    return [c(f) for c in checks]
