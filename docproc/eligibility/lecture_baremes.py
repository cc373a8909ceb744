"""Lecture et contrôle des barèmes de la CSS (fichiers TOML de ``baremes/``).

Chaque valeur des fichiers porte sa date d'effet (``debut``) et sa source juridique
(``source``). Les fichiers sont lus une fois, à l'import du paquet, par le lecteur TOML strict
du projet (``docproc.strict_toml``, partagé avec les spécifications de documents) : une clé
inconnue (les clés admises sont les champs des types de ``modele_baremes``), un champ manquant,
un type inattendu, des dates dans le désordre, un barème publié incohérent avec la formule de
l'article R861-3… lèvent ``BaremeError``, avec le fichier et la clé, au lieu de produire des
décisions fausses en silence. Les briques de lecture sont dans ``lecture_tables``,
``regles.toml`` est lu par ``lecture_regles``, le contrôle des barèmes publiés est
``controle_baremes``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docproc.strict_toml import Table

from .controle_baremes import verifier_publies
from .formules import UN
from .lecture_regles import lire_regles
from .lecture_tables import cles_admises, lire_table, serie_datee
from .modele_baremes import (
    AbattementFoyer,
    AbattementIndividuel,
    BaremeParticipation,
    BaremePublie,
    Baremes,
    MontantRsa,
    Revalorisation,
    RsaComposition,
    TauxForfait,
    TrancheParticipation,
)

FICHIERS = (
    "plafonds.toml",
    "regles.toml",
    "participation.toml",
    "logement.toml",
    "abattements.toml",
)


def _bareme_publie(t: Table) -> BaremePublie:
    cles_admises(t, BaremePublie)
    gratuite, participation = t.positives("gratuite"), t.positives("participation")
    if len(gratuite) != len(participation):
        raise t.error("les listes gratuite et participation n'ont pas la même longueur")
    for nom, valeurs in (("gratuite", gratuite), ("participation", participation)):
        if any(b <= a for a, b in zip(valeurs, valeurs[1:], strict=False)):
            raise t.error("montants non strictement croissants", nom)
    if any(p <= g for g, p in zip(gratuite, participation, strict=True)):
        raise t.error("un plafond avec participation n'excède pas le plafond sans participation")
    return BaremePublie(
        source=t.text("source"),
        gratuite=gratuite,
        gratuite_personne_supplementaire=t.positive("gratuite_personne_supplementaire"),
        participation=participation,
        participation_personne_supplementaire=t.positive("participation_personne_supplementaire"),
    )


def _plafonds(racine: Table) -> tuple[Revalorisation, ...]:
    racine.only({"revalorisation"})
    resultat = []
    for t in racine.tables("revalorisation"):
        cles_admises(t, Revalorisation)
        resultat.append(
            Revalorisation(
                debut=t.date("debut"),
                plafond_une_personne=t.positive("plafond_une_personne"),
                source=t.text("source"),
                verifie=t.boolean("verifie", True),
                metropole=_bareme_publie(t.table("metropole")) if "metropole" in t else None,
                dom=_bareme_publie(t.table("dom")) if "dom" in t else None,
            )
        )
    return serie_datee(racine, "revalorisation", resultat)


def _taux_forfait(t: Table) -> TauxForfait:
    cles_admises(t, TauxForfait)
    return TauxForfait(
        debut=t.date("debut"),
        source=t.text("source"),
        verifie=t.boolean("verifie", True),
        une_personne=t.positive("une_personne", maximum=UN),
        deux_personnes=t.positive("deux_personnes", maximum=UN),
        trois_personnes_et_plus=t.positive("trois_personnes_et_plus", maximum=UN),
    )


def _abattement_foyer(t: Table) -> AbattementFoyer:
    cles_admises(t, AbattementFoyer)
    return AbattementFoyer(
        debut=t.date("debut"),
        source=t.text("source"),
        personne_seule=t.positive("personne_seule"),
        couple=t.positive("couple"),
    )


def _participation(racine: Table, colonnes: set[str]) -> tuple[BaremeParticipation, ...]:
    racine.only({"bareme"})
    resultat = []
    for t in racine.tables("bareme"):
        cles_admises(t, BaremeParticipation, "tranche", sauf=("tranches",))
        tranches = []
        attendu = 0
        listes = t.tables("tranche")
        for j, tr in enumerate(listes):
            tr.only({"age_min", "age_max", *colonnes})
            age_min = tr.integer("age_min")
            if age_min != attendu:
                raise tr.error(f"tranches non contiguës (âge minimal {attendu} attendu)")
            age_max: int | None = None
            if j == len(listes) - 1:
                if "age_max" in tr:
                    raise tr.error("la dernière tranche ne doit pas avoir d'âge maximal")
            else:
                age_max = tr.integer("age_max", minimum=age_min)
                attendu = age_max + 1
            tranches.append(
                TrancheParticipation(
                    age_min=age_min,
                    age_max=age_max,
                    montants={c: tr.positive(c) for c in sorted(colonnes)},
                )
            )
        resultat.append(
            BaremeParticipation(
                debut=t.date("debut"), source=t.text("source"), tranches=tuple(tranches)
            )
        )
    return serie_datee(racine, "bareme", resultat)


def _logement(lg: Table) -> dict[str, Any]:
    lg.only({"rsa", "rsa_composition", "sans_aide_logement", "aide_logement"})
    rsa = []
    for x in lg.tables("rsa"):
        cles_admises(x, MontantRsa)
        rsa.append(
            MontantRsa(
                debut=x.date("debut"),
                source=x.text("source"),
                verifie=x.boolean("verifie", True),
                montant=x.positive("montant"),
            )
        )
    compo = cles_admises(lg.table("rsa_composition"), RsaComposition)
    return {
        "rsa": serie_datee(lg, "rsa", rsa),
        "rsa_composition": RsaComposition(
            debut=compo.date("debut"),
            source=compo.text("source"),
            deux_personnes=compo.positive("deux_personnes"),
            trois_personnes=compo.positive("trois_personnes"),
        ),
        "forfait_sans_aide_logement": serie_datee(
            lg, "sans_aide_logement", [_taux_forfait(x) for x in lg.tables("sans_aide_logement")]
        ),
        "forfait_aide_logement": serie_datee(
            lg, "aide_logement", [_taux_forfait(x) for x in lg.tables("aide_logement")]
        ),
    }


def _abattements(ab: Table) -> dict[str, Any]:
    ab.only({"aah", "asi", "aspa"})
    aah = []
    for x in ab.tables("aah"):
        cles_admises(x, AbattementIndividuel)
        aah.append(
            AbattementIndividuel(
                debut=x.date("debut"), source=x.text("source"), mensuel=x.positive("mensuel")
            )
        )
    return {
        "abattement_aah": serie_datee(ab, "aah", aah),
        "abattement_asi": serie_datee(ab, "asi", [_abattement_foyer(x) for x in ab.tables("asi")]),
        "abattement_aspa": serie_datee(
            ab, "aspa", [_abattement_foyer(x) for x in ab.tables("aspa")]
        ),
    }


def charger(repertoire: Path | None = None) -> Baremes:
    """Lit et valide les barèmes (du paquet, ou d'un autre répertoire pour les tests)."""
    d = {nom: lire_table(repertoire, nom) for nom in FICHIERS}
    regles = lire_regles(d["regles.toml"])
    colonnes = {t.participation for t in regles["territoires"].values()}
    baremes = Baremes(
        revalorisations=_plafonds(d["plafonds.toml"]),
        participation=_participation(d["participation.toml"], colonnes),
        **regles,
        **_logement(d["logement.toml"]),
        **_abattements(d["abattements.toml"]),
    )
    verifier_publies(baremes)
    return baremes


BAREMES = charger()
