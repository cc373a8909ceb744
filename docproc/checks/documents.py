"""Document-level checks: kind, pages, identifiers, year, specimen, and per-kind rules.

Avis d'impôt and ASDIR get the page and year checks; taxes foncière and d'habitation their
numéro fiscal and year; the RSA attestation its date; foreign certificates always go to an
agent, with their conversion to euros.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from docproc.checks import failed, passed
from docproc.extractors.values import nif_key_ok
from docproc.grouping import PAGED_KINDS, Group
from docproc.models import Check

KIND_NAMES = {"avis_impot_revenu": "l'avis d'impôt", "asdir": "l'avis de situation déclarative"}

FIELD_NAMES = {
    "declarants": "le nom des déclarants", "reference_avis": "la référence de l'avis",
    "revenu_fiscal_reference": "le revenu fiscal de référence", "nombre_parts": "le nombre de parts",
    "date_mise_en_recouvrement": "la date de mise en recouvrement", "montant_impot": "le montant à payer ou à rembourser",
    "situation_famille": "la situation de famille", "personnes_a_charge": "le nombre de personnes à charge",
    "revenu_brut_global": "le revenu brut global", "revenu_imposable": "le revenu imposable",
    "impot_revenu_net": "l'impôt sur le revenu net", "revenus": "le détail des revenus",
    "annee_imposition": "l'année d'imposition", "numero_fiscal": "le numéro fiscal",
    "proprietaires": "le nom des propriétaires", "biens": "le détail des biens",
    "montant_total": "le montant de l'impôt", "adresse": "l'adresse",
    "valeur_locative_brute": "la valeur locative brute", "organisme": "l'organisme (CAF ou MSA)",
    "date_attestation": "la date de l'attestation", "beneficiaire": "le nom du bénéficiaire",
    "numero_allocataire": "le numéro allocataire",
    "ressources_inferieures_rsa": "la mention des ressources inférieures au RSA",
    "pays": "le pays", "langue": "la langue", "annee": "l'année des revenus",
    "revenu_annuel": "le revenu annuel", "devise": "la devise",
}

#: Names of the other kinds in messages ("… de {name}").
OTHER_NAMES = {"taxe_fonciere": "l'avis de taxe foncière", "taxe_habitation": "l'avis de taxe d'habitation",
               "attestation_rsa": "l'attestation", "justificatif_etranger": "le justificatif étranger"}
#: Fields computed from others: their absence is reported by their own check, not as unread.
DERIVED = frozenset({"revenu_annuel_eur"})
#: An attestation de ressources is taken as current for this many months after it is issued.
ATTESTATION_MONTHS = 3

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
    if f.kind == "taxe_fonciere":
        return passed("document.type", "critical", "Le document est un avis de taxe foncière.")
    if f.kind == "taxe_habitation":
        return passed("document.type", "critical", "Le document est un avis de taxe d'habitation.")
    if f.kind == "attestation_rsa":
        if f.fields.get("ressources_inferieures_rsa") is False:
            return failed("document.type", "critical",
                          "Cette attestation n'indique pas des ressources inférieures au montant forfaitaire du RSA.")
        return passed("document.type", "critical",
                      "Le document est une attestation de ressources inférieures au montant forfaitaire du RSA.")
    if f.kind == "justificatif_etranger":
        return passed("document.type", "critical", "Le document est un justificatif de revenus étranger.")
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


def local_numero_fiscal(f: DocFacts) -> Check:
    numero = f.fields.get("numero_fiscal")
    if numero and not nif_key_ok(numero):
        return failed("numero_fiscal.format", "warning",
                      "Le numéro fiscal lu ne respecte pas le format attendu (clé de contrôle) : le document doit être vérifié.")
    return passed("numero_fiscal.format", "warning", "Le numéro fiscal a un format valide." if numero
                  else "Aucun numéro fiscal à contrôler.")


def local_reference_year(f: DocFacts) -> Check:
    ref, year = f.fields.get("reference_avis"), f.fields.get("annee_imposition")
    if ref and year and int(ref[:2]) < year % 100:
        return failed("reference_avis.format", "warning",
                      "La référence de l'avis ne correspond pas à l'année d'imposition.")
    return passed("reference_avis.format", "warning", "La référence de l'avis a un format valide.")


def local_tax_year(f: DocFacts) -> Check:
    """A local-tax avis older than the previous year is still a proof, but a stale one."""
    name, year = OTHER_NAMES[f.kind], f.fields.get("annee_imposition")
    if year is None:
        return failed("annee.imposition", "warning", f"L'année de {name} n'a pas pu être lue.")
    oldest = f.request_date.year - 1
    data = {"annee_imposition": year, "annee_minimale": oldest}
    if year < oldest:
        return failed("annee.imposition", "warning",
                      f"Cet avis date d'avant {oldest} : envoyez le dernier avis reçu s'il est plus récent.", **data)
    return passed("annee.imposition", "warning", f"{name[0].upper()}{name[1:]} est assez récent.", **data)


def _months_later(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def attestation_date(f: DocFacts) -> Check:
    raw = f.fields.get("date_attestation")
    if raw is None:
        return failed("attestation.date", "warning", "La date de l'attestation n'a pas pu être lue.")
    issued = date.fromisoformat(raw)
    if issued > f.request_date:
        return failed("attestation.date", "warning",
                      "L'attestation est datée après la date de la demande : elle doit être vérifiée.")
    if _months_later(issued, ATTESTATION_MONTHS) < f.request_date:
        return failed("attestation.date", "warning",
                      f"L'attestation a plus de {ATTESTATION_MONTHS} mois à la date de la demande : "
                      "demandez-en une plus récente à votre CAF ou à votre MSA.", mois=ATTESTATION_MONTHS)
    return passed("attestation.date", "warning", f"L'attestation a moins de {ATTESTATION_MONTHS} mois.")


def foreign_review(_: DocFacts) -> Check:
    return failed("etranger.verification", "warning",
                  "Ce justificatif étranger sera vérifié par un agent, ainsi que son montant converti en euros.")


def foreign_conversion(f: DocFacts) -> Check:
    if "revenu_annuel_eur" in f.fields:
        return passed("conversion.taux", "warning", "Le revenu a été converti en euros avec un taux de référence.")
    if "revenu_annuel" not in f.fields:
        return passed("conversion.taux", "warning", "Aucun revenu à convertir.")
    return failed("conversion.taux", "warning",
                  "Aucun taux de change de référence n'est disponible pour la devise ou l'année de ce justificatif : "
                  "un agent calculera le montant en euros.", reason=f.missing.get("revenu_annuel_eur"))


def not_specimen(f: DocFacts) -> Check:
    if f.specimen:
        return failed("document.specimen", "critical", "Ce document est un spécimen, pas un avis réel.")
    return passed("document.specimen", "critical", "Le document n'est pas un spécimen.")


def fields_read(f: DocFacts) -> Check:
    missing = {k: v for k, v in f.missing.items() if k not in DERIVED}
    if missing and not f.group.complete and f.kind in PAGED_KINDS:
        return passed("champs.illisibles", "warning",
                      "Les informations seront vérifiées quand toutes les pages auront été reçues.",
                      fields=sorted(missing))
    if missing:
        names = [FIELD_NAMES.get(k, k) for k in sorted(missing)]
        return failed("champs.illisibles", "warning",
                      "Certaines informations n'ont pas pu être lues : " + ", ".join(names) + ".",
                      fields=sorted(missing), reasons=missing)
    return passed("champs.illisibles", "warning", "Toutes les informations attendues ont été lues.")


AVIS_CHECKS = (kind_accepted, pages_complete, pages_consistent, pages_not_mixed, pages_duplicated,
               numeros_fiscaux, reference_year, avis_year, not_specimen, fields_read)
LOCAL_TAX_CHECKS = (kind_accepted, local_numero_fiscal, local_reference_year, local_tax_year,
                    not_specimen, fields_read)
CHECKS_BY_KIND = {
    "taxe_fonciere": LOCAL_TAX_CHECKS,
    "taxe_habitation": LOCAL_TAX_CHECKS,
    "attestation_rsa": (kind_accepted, attestation_date, not_specimen, fields_read),
    "justificatif_etranger": (kind_accepted, foreign_review, foreign_conversion, not_specimen, fields_read),
}
OTHER_CHECKS = (kind_accepted,)


def run(f: DocFacts) -> list[Check]:
    checks = AVIS_CHECKS if f.kind in KIND_NAMES else CHECKS_BY_KIND.get(f.kind, OTHER_CHECKS)
    return [c(f) for c in checks]
