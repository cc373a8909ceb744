"""Lecture de ``regles.toml`` : règles du foyer et de recevabilité, territoires, période de
référence, patrimoine, présomptions.
"""

from __future__ import annotations

from typing import Any

from docproc.strict_toml import Table

from .formules import UN
from .lecture_tables import cles_admises, serie_datee
from .modele_baremes import (
    AbattementActivite,
    Composition,
    JeunesAdultes,
    OuvertureDroit,
    Patrimoine,
    PeriodeReference,
    Presomption,
    RegleFoyer,
    RegleRecevabilite,
    RevenuCadastral,
    Taux,
    Territoire,
    Texte,
    Textes,
)

PRESOMPTIONS = ("aspa", "asi", "aah", "ass", "cej")


def _territoire(code: str, t: Table) -> Territoire:
    cles_admises(t, Territoire, sauf=("code",))
    return Territoire(
        code=code,
        libelle=t.text("libelle"),
        lieu=t.text("lieu"),
        debut=t.date("debut"),
        source=t.text("source"),
        css_applicable=t.boolean("css_applicable"),
        majoration_dom=t.boolean("majoration_dom"),
        participation=t.text("participation"),
        applicable_depuis=t.optional_date("applicable_depuis"),
        source_application=t.optional_text("source_application"),
        rsa_propre=t.optional_text("rsa_propre"),
    )


def _periode(t: Table) -> PeriodeReference:
    cles_admises(t, PeriodeReference)
    periode = PeriodeReference(
        debut=t.date("debut"),
        source=t.text("source"),
        premier_mois=t.integer("premier_mois", minimum=1),
        dernier_mois=t.integer("dernier_mois", minimum=0),
    )
    if periode.premier_mois - periode.dernier_mois != 11:
        raise t.error("la période de référence doit compter douze mois")
    return periode


def _patrimoine(t: Table) -> Patrimoine:
    cles_admises(t, Patrimoine)
    patrimoine = Patrimoine(
        debut=t.date("debut"),
        fin=t.optional_date("fin"),
        source=t.text("source"),
        verifie=t.boolean("verifie", True),
        bati=t.positive("bati", maximum=UN),
        non_bati=t.positive("non_bati", maximum=UN),
        capitaux=t.positive("capitaux", maximum=UN),
    )
    if patrimoine.fin is not None and patrimoine.fin <= patrimoine.debut:
        raise t.error("la date de fin précède la date de début")
    return patrimoine


def _presomption(t: Table) -> Presomption:
    cles_admises(t, Presomption)
    cle = t.text("cle")
    if cle not in PRESOMPTIONS:
        raise t.error(f"présomption inconnue ({', '.join(PRESOMPTIONS)})", "cle")
    return Presomption(
        cle=cle, debut=t.date("debut"), source=t.text("source"), verifie=t.boolean("verifie", True)
    )


def _taux(t: Table) -> Taux:
    cles_admises(t, Taux)
    return Taux(debut=t.date("debut"), source=t.text("source"), taux=t.positive("taux", maximum=UN))


def lire_regles(r: Table) -> dict[str, Any]:
    """Les règles de ``regles.toml`` (hors montants), par champ de ``Baremes``."""
    r.only(
        {
            "composition",
            "foyer",
            "majoration_dom",
            "majoration_participation",
            "arrondi",
            "ouverture_droit",
            "periode_reference",
            "patrimoine",
            "revenu_cadastral",
            "territoires",
            "textes",
            "abattement_activite",
            "presomption",
            "jeunes_adultes",
            "recevabilite",
        }
    )
    c = cles_admises(r.table("composition"), Composition)
    f = cles_admises(r.table("foyer"), RegleFoyer)
    a = cles_admises(r.table("arrondi"), Texte, "mode")
    if a.get("mode") != "euro_le_plus_proche_demi_superieur":
        raise a.error("seul « euro_le_plus_proche_demi_superieur » est connu", "mode")
    o = cles_admises(r.table("ouverture_droit"), OuvertureDroit)
    rc = cles_admises(r.table("revenu_cadastral"), RevenuCadastral)
    tx = cles_admises(r.table("textes"), Textes)
    j = cles_admises(r.table("jeunes_adultes"), JeunesAdultes)
    rv = cles_admises(r.table("recevabilite"), RegleRecevabilite)
    activite = []
    for x in r.tables("abattement_activite"):
        cles_admises(x, AbattementActivite)
        activite.append(
            AbattementActivite(
                debut=x.date("debut"),
                source=x.text("source"),
                verifie=x.boolean("verifie", True),
                taux=x.positive("taux", maximum=UN),
            )
        )
    return {
        "composition": Composition(
            debut=c.date("debut"),
            source=c.text("source"),
            deuxieme_personne=c.positive("deuxieme_personne", maximum=UN),
            troisieme_et_quatrieme_personne=c.positive(
                "troisieme_et_quatrieme_personne", maximum=UN
            ),
            cinquieme_personne_et_plus=c.positive("cinquieme_personne_et_plus", maximum=UN),
            facteur_residence_alternee=c.positive("facteur_residence_alternee", maximum=UN),
            age_majorite=c.integer("age_majorite", minimum=1),
        ),
        "foyer": RegleFoyer(
            debut=f.date("debut"),
            source=f.text("source"),
            age_limite_personne_a_charge=f.integer("age_limite_personne_a_charge", minimum=1),
        ),
        "majoration_dom": _taux(r.table("majoration_dom")),
        "majoration_participation": _taux(r.table("majoration_participation")),
        "arrondi": Texte(debut=a.date("debut"), source=a.text("source")),
        "ouverture_droit": OuvertureDroit(
            debut=o.date("debut"),
            source=o.text("source"),
            mois_apres_demande=o.integer("mois_apres_demande"),
        ),
        "periodes_reference": serie_datee(
            r, "periode_reference", [_periode(p) for p in r.tables("periode_reference")]
        ),
        "patrimoine": serie_datee(
            r, "patrimoine", [_patrimoine(p) for p in r.tables("patrimoine")]
        ),
        "revenu_cadastral": RevenuCadastral(
            debut=rc.date("debut"),
            source=rc.text("source"),
            bati=rc.positive("bati", maximum=UN),
            non_bati=rc.positive("non_bati", maximum=UN),
        ),
        "territoires": {code: _territoire(code, t) for code, t in r.items("territoires")},
        "textes": Textes(
            debut=tx.date("debut"),
            droit=tx.text("droit"),
            ressources=tx.text("ressources"),
            exclusions=tx.text("exclusions"),
            rsa=tx.text("rsa"),
        ),
        "abattement_activite": serie_datee(r, "abattement_activite", activite),
        "presomptions": tuple(_presomption(x) for x in r.tables("presomption")),
        "jeunes_adultes": JeunesAdultes(
            debut=j.date("debut"),
            source=j.text("source"),
            age_limite=j.integer("age_limite", minimum=1),
        ),
        "recevabilite": RegleRecevabilite(
            debut=rv.date("debut"),
            age_majorite=rv.integer("age_majorite", minimum=1),
            age_mineur_autonome=rv.integer("age_mineur_autonome", minimum=1),
            source_age=rv.text("source_age"),
            delai_renouvellement_mois=rv.integer("delai_renouvellement_mois", minimum=1),
            source_renouvellement=rv.text("source_renouvellement"),
            source_renouvellement_automatique=rv.text("source_renouvellement_automatique"),
        ),
    }
