"""Document-level checks: kind, pages, identifiers, year, specimen, and per-kind rules.

Each spec names its checks (``checks = [...]``) from the registry ``CHECKS`` below, in order;
the names of kinds and fields in messages are the specs' ``label``s, and ``kind_accepted``
follows the spec's ``accept`` rule. A document of no known kind ("inconnu") gets only
``kind_accepted``, which refuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from docproc.checks import failed, passed
from docproc.extractors.spec_model import DocSpec
from docproc.extractors.values import nif_key_ok
from docproc.models import Check, Group

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
    spec: DocSpec | None = None  # the kind's spec (None: a document of no known kind)

    @property
    def paged(self) -> bool:
        """Whether the kind's pages say "n/N" (its spec has a ``counter`` key)."""
        return self.spec is not None and "counter" in self.spec.keys


CheckFn = Callable[[DocFacts], Check]
#: Every check a spec may name, by its function's name (checked when specs load).
CHECKS: dict[str, CheckFn] = {}


def registered(fn: CheckFn) -> CheckFn:
    CHECKS[fn.__name__] = fn
    return fn


def _label(f: DocFacts) -> str:
    """The kind's name in messages (its spec's ``label``)."""
    return f.spec.label if f.spec else "l'avis"


def _pages_phrase(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"la page {numbers[0]}"
    return "les pages " + ", ".join(str(n) for n in numbers[:-1]) + f" et {numbers[-1]}"


@registered
def kind_accepted(f: DocFacts) -> Check:
    """Accepted or refused as the kind's spec says (``accept``); a document of no kind is refused."""
    spec = f.spec
    if spec is None:
        return failed(
            "document.type",
            "critical",
            "Ce document n'a pas été reconnu comme un avis d'impôt sur le revenu : vérifiez le fichier envoyé.",
        )
    rule = spec.accept
    if rule.decide(f.fields):
        return passed(
            "document.type", "critical", rule.accepted or f"Le document est {spec.label}."
        )
    return failed(
        "document.type", "critical", rule.refused or f"Le document n'est pas {spec.label} attendu."
    )


@registered
def pages_complete(f: DocFacts) -> Check:
    g, name = f.group, _label(f)
    if g.total is None:
        return failed(
            "pages.completes",
            "critical",
            f"Seule la première page de {name} a été reçue : envoyez toutes ses pages."
            if g.first
            else f"Le nombre de pages de {name} n'a pas pu être déterminé : envoyez toutes ses pages.",
            total=None,
            missing_pages=[],
        )
    if g.missing:
        return failed(
            "pages.completes",
            "critical",
            f"Il manque {_pages_phrase(g.missing)} sur {g.total} de {name}.",
            total=g.total,
            missing_pages=g.missing,
        )
    return passed(
        "pages.completes", "critical", f"Toutes les pages de {name} ont été reçues.", total=g.total
    )


@registered
def pages_consistent(f: DocFacts) -> Check:
    if f.group.totals_disagree:
        return failed(
            "pages.numerotation",
            "warning",
            "La numérotation des pages n'est pas cohérente : vérifiez qu'elles viennent du même avis.",
        )
    return passed("pages.numerotation", "warning", "La numérotation des pages est cohérente.")


@registered
def pages_not_mixed(f: DocFacts) -> Check:
    if f.group.mixed_with_other:
        return failed(
            "pages.melange",
            "critical",
            "Un même fichier contient les pages de plusieurs avis différents : envoyez un fichier par avis.",
        )
    return passed("pages.melange", "critical", "Les pages appartiennent toutes au même avis.")


@registered
def pages_duplicated(f: DocFacts) -> Check:
    n = len(f.group.duplicates)
    if n:
        return failed(
            "pages.doublons", "info", f"{n} page(s) reçue(s) en double ont été ignorée(s).", count=n
        )
    return passed("pages.doublons", "info", "Aucune page en double.")


@registered
def numeros_fiscaux(f: DocFacts) -> Check:
    bad = [
        i + 1
        for i, d in enumerate(f.fields.get("declarants", []))
        if d.get("numero_fiscal") and not nif_key_ok(d["numero_fiscal"])
    ]
    if bad:
        return failed(
            "numero_fiscal.format",
            "warning",
            "Le numéro fiscal lu ne respecte pas le format attendu (clé de contrôle) : le document doit être vérifié.",
            declarants=bad,
        )
    return passed("numero_fiscal.format", "warning", "Les numéros fiscaux ont un format valide.")


@registered
def reference_year(f: DocFacts) -> Check:
    ref, year = f.fields.get("reference_avis"), f.fields.get("annee_avis")
    if ref and year and int(ref[:2]) < year % 100:
        return failed(
            "reference_avis.format",
            "warning",
            "La référence de l'avis ne correspond pas à l'année de l'avis.",
        )
    return passed("reference_avis.format", "warning", "La référence de l'avis a un format valide.")


def latest_avis_year(request: date) -> int:
    return request.year if (request.month, request.day) >= NEW_AVIS_FROM else request.year - 1


@registered
def avis_year(f: DocFacts) -> Check:
    year = f.fields.get("annee_avis")
    if year is None:
        return failed("annee.avis", "warning", "L'année de l'avis n'a pas pu être lue.")
    latest = latest_avis_year(f.request_date)
    in_switch = NEW_AVIS_FROM <= (f.request_date.month, f.request_date.day) <= SWITCH_UNTIL
    data = {"annee_avis": year, "annee_attendue": latest}
    if year >= latest:
        return passed(
            "annee.avis",
            "critical",
            "L'avis est le plus récent disponible à la date de la demande.",
            **data,
        )
    if year == latest - 1 and in_switch:
        return failed(
            "annee.avis",
            "warning",
            f"L'avis établi en {latest} est disponible : il sera demandé s'il n'est pas encore reçu, celui-ci est accepté provisoirement.",
            **data,
        )
    return failed(
        "annee.avis",
        "critical",
        f"Cet avis est trop ancien : envoyez l'avis d'impôt établi en {latest} (revenus {latest - 1}).",
        **data,
    )


@registered
def local_numero_fiscal(f: DocFacts) -> Check:
    numero = f.fields.get("numero_fiscal")
    if numero and not nif_key_ok(numero):
        return failed(
            "numero_fiscal.format",
            "warning",
            "Le numéro fiscal lu ne respecte pas le format attendu (clé de contrôle) : le document doit être vérifié.",
        )
    return passed(
        "numero_fiscal.format",
        "warning",
        "Le numéro fiscal a un format valide." if numero else "Aucun numéro fiscal à contrôler.",
    )


@registered
def local_reference_year(f: DocFacts) -> Check:
    ref, year = f.fields.get("reference_avis"), f.fields.get("annee_imposition")
    if ref and year and int(ref[:2]) < year % 100:
        return failed(
            "reference_avis.format",
            "warning",
            "La référence de l'avis ne correspond pas à l'année d'imposition.",
        )
    return passed("reference_avis.format", "warning", "La référence de l'avis a un format valide.")


@registered
def local_tax_year(f: DocFacts) -> Check:
    """A local-tax avis older than the previous year is still a proof, but a stale one."""
    name, year = _label(f), f.fields.get("annee_imposition")
    if year is None:
        return failed("annee.imposition", "warning", f"L'année de {name} n'a pas pu être lue.")
    oldest = f.request_date.year - 1
    data = {"annee_imposition": year, "annee_minimale": oldest}
    if year < oldest:
        return failed(
            "annee.imposition",
            "warning",
            f"Cet avis date d'avant {oldest} : envoyez le dernier avis reçu s'il est plus récent.",
            **data,
        )
    return passed(
        "annee.imposition", "warning", f"{name[0].upper()}{name[1:]} est assez récent.", **data
    )


def _months_later(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@registered
def attestation_date(f: DocFacts) -> Check:
    raw = f.fields.get("date_attestation")
    if raw is None:
        return failed(
            "attestation.date", "warning", "La date de l'attestation n'a pas pu être lue."
        )
    issued = date.fromisoformat(raw)
    if issued > f.request_date:
        return failed(
            "attestation.date",
            "warning",
            "L'attestation est datée après la date de la demande : elle doit être vérifiée.",
        )
    if _months_later(issued, ATTESTATION_MONTHS) < f.request_date:
        return failed(
            "attestation.date",
            "warning",
            f"L'attestation a plus de {ATTESTATION_MONTHS} mois à la date de la demande : "
            "demandez-en une plus récente à votre CAF ou à votre MSA.",
            mois=ATTESTATION_MONTHS,
        )
    return passed(
        "attestation.date", "warning", f"L'attestation a moins de {ATTESTATION_MONTHS} mois."
    )


@registered
def foreign_review(_: DocFacts) -> Check:
    return failed(
        "etranger.verification",
        "warning",
        "Ce justificatif étranger sera vérifié par un agent, ainsi que son montant converti en euros.",
    )


@registered
def foreign_conversion(f: DocFacts) -> Check:
    if "revenu_annuel_eur" in f.fields:
        return passed(
            "conversion.taux",
            "warning",
            "Le revenu a été converti en euros avec un taux de référence.",
        )
    if "revenu_annuel" not in f.fields:
        return passed("conversion.taux", "warning", "Aucun revenu à convertir.")
    return failed(
        "conversion.taux",
        "warning",
        "Aucun taux de change de référence n'est disponible pour la devise ou l'année de ce justificatif : "
        "un agent calculera le montant en euros.",
        reason=f.missing.get("revenu_annuel_eur"),
    )


@registered
def not_specimen(f: DocFacts) -> Check:
    if f.specimen:
        return failed(
            "document.specimen", "critical", "Ce document est un spécimen, pas un avis réel."
        )
    return passed("document.specimen", "critical", "Le document n'est pas un spécimen.")


@registered
def fields_read(f: DocFacts) -> Check:
    missing = {k: v for k, v in f.missing.items() if k not in DERIVED}
    if missing and not f.group.complete and f.paged:
        return passed(
            "champs.illisibles",
            "warning",
            "Les informations seront vérifiées quand toutes les pages auront été reçues.",
            fields=sorted(missing),
        )
    if missing:
        spec = f.spec
        names = [spec.field_label(k) if spec else k for k in sorted(missing)]
        return failed(
            "champs.illisibles",
            "warning",
            "Certaines informations n'ont pas pu être lues : " + ", ".join(names) + ".",
            fields=sorted(missing),
            reasons=missing,
        )
    return passed("champs.illisibles", "warning", "Toutes les informations attendues ont été lues.")


#: The checks of a document of no known kind ("inconnu").
OTHER_CHECKS: tuple[CheckFn, ...] = (kind_accepted,)


def run(f: DocFacts) -> list[Check]:
    """The checks the kind's spec names, in its order."""
    spec = f.spec
    checks = tuple(CHECKS[name] for name in spec.checks) if spec else OTHER_CHECKS
    return [c(f) for c in checks]
