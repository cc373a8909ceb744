"""Lecture et contrôle des barèmes de la CSS (fichiers TOML de ``baremes/``).

Chaque valeur des fichiers porte sa date d'effet (``debut``) et sa source juridique
(``source``). Les fichiers sont lus une fois, à l'import du paquet, par le lecteur TOML strict
du projet (``docproc.strict_toml``, partagé avec les spécifications de documents) : une clé
inconnue (les clés admises sont les champs des types de ``modele_baremes``), un champ manquant,
un type inattendu, des dates dans le désordre, un barème publié incohérent avec la formule de
l'article R861-3… lèvent ``BaremeError``, avec le fichier et la clé, au lieu de produire des
décisions fausses en silence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from docproc.strict_toml import Table, parse, read_file

from .formules import UN, arrondi_euro
from .modele_baremes import (
    AbattementActivite,
    AbattementFoyer,
    AbattementIndividuel,
    BaremeError,
    BaremeParticipation,
    BaremePublie,
    Baremes,
    Composition,
    JeunesAdultes,
    MontantRsa,
    OuvertureDroit,
    Patrimoine,
    PeriodeReference,
    Presomption,
    RegleFoyer,
    RegleRecevabilite,
    Revalorisation,
    RevenuCadastral,
    RsaComposition,
    Taux,
    TauxForfait,
    Territoire,
    Texte,
    Textes,
    TrancheParticipation,
)

FICHIERS = (
    "plafonds.toml",
    "regles.toml",
    "participation.toml",
    "logement.toml",
    "abattements.toml",
)

# Écart maximal toléré entre un barème publié et la formule R861-3 appliquée au plafond
# d'une personne arrondi (les tableaux publiés partent d'une base non arrondie : ±2 €).
TOLERANCE_BAREME_PUBLIE = Decimal(3)
PRESOMPTIONS = ("aspa", "asi", "aah", "ass", "cej")


def _erreur(fichier: str) -> Callable[[str, str], BaremeError]:
    def erreur(chemin: str, probleme: str) -> BaremeError:
        return BaremeError(
            f"Barème {fichier}, {chemin} : {probleme}."
            if chemin
            else f"Barème {fichier} : {probleme}."
        )

    return erreur


def _lire(repertoire: Path | None, nom: str) -> Table:
    erreur = _erreur(nom)
    if repertoire is not None:
        return Table(read_file(repertoire / nom, erreur), erreur)
    try:
        texte = resources.files("docproc.eligibility.baremes").joinpath(nom).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise erreur("", f"fichier illisible ({exc})") from exc
    return Table(parse(texte, erreur), erreur)


def _cles(t: Table, modele: type, *en_plus: str, sauf: tuple[str, ...] = ()) -> Table:
    """Les clés admises d'une table : les champs de son type (moins ``sauf``), plus ``en_plus``."""
    return t.only({f.name for f in fields(modele)} - set(sauf) | set(en_plus))


def _serie(parent: Table, cle: str, elements: Sequence[Any]) -> tuple[Any, ...]:
    dates = [e.debut for e in elements]
    if dates != sorted(dates) or len(set(dates)) != len(dates):
        raise parent.error("dates de début non croissantes ou en double", cle)
    return tuple(elements)


def _bareme_publie(t: Table) -> BaremePublie:
    _cles(t, BaremePublie)
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
        _cles(t, Revalorisation)
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
    return _serie(racine, "revalorisation", resultat)


def _taux_forfait(t: Table) -> TauxForfait:
    _cles(t, TauxForfait)
    return TauxForfait(
        debut=t.date("debut"),
        source=t.text("source"),
        verifie=t.boolean("verifie", True),
        une_personne=t.positive("une_personne", maximum=UN),
        deux_personnes=t.positive("deux_personnes", maximum=UN),
        trois_personnes_et_plus=t.positive("trois_personnes_et_plus", maximum=UN),
    )


def _abattement_foyer(t: Table) -> AbattementFoyer:
    _cles(t, AbattementFoyer)
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
        _cles(t, BaremeParticipation, "tranche", sauf=("tranches",))
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
    return _serie(racine, "bareme", resultat)


def _territoire(code: str, t: Table) -> Territoire:
    _cles(t, Territoire, sauf=("code",))
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
    _cles(t, PeriodeReference)
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
    _cles(t, Patrimoine)
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
    _cles(t, Presomption)
    cle = t.text("cle")
    if cle not in PRESOMPTIONS:
        raise t.error(f"présomption inconnue ({', '.join(PRESOMPTIONS)})", "cle")
    return Presomption(
        cle=cle, debut=t.date("debut"), source=t.text("source"), verifie=t.boolean("verifie", True)
    )


def _taux(t: Table) -> Taux:
    _cles(t, Taux)
    return Taux(debut=t.date("debut"), source=t.text("source"), taux=t.positive("taux", maximum=UN))


def _regles(r: Table) -> dict[str, Any]:
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
    c = _cles(r.table("composition"), Composition)
    f = _cles(r.table("foyer"), RegleFoyer)
    a = _cles(r.table("arrondi"), Texte, "mode")
    if a.get("mode") != "euro_le_plus_proche_demi_superieur":
        raise a.error("seul « euro_le_plus_proche_demi_superieur » est connu", "mode")
    o = _cles(r.table("ouverture_droit"), OuvertureDroit)
    rc = _cles(r.table("revenu_cadastral"), RevenuCadastral)
    tx = _cles(r.table("textes"), Textes)
    j = _cles(r.table("jeunes_adultes"), JeunesAdultes)
    rv = _cles(r.table("recevabilite"), RegleRecevabilite)
    activite = []
    for x in r.tables("abattement_activite"):
        _cles(x, AbattementActivite)
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
        "periodes_reference": _serie(
            r, "periode_reference", [_periode(p) for p in r.tables("periode_reference")]
        ),
        "patrimoine": _serie(r, "patrimoine", [_patrimoine(p) for p in r.tables("patrimoine")]),
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
        "abattement_activite": _serie(r, "abattement_activite", activite),
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


def _logement(lg: Table) -> dict[str, Any]:
    lg.only({"rsa", "rsa_composition", "sans_aide_logement", "aide_logement"})
    rsa = []
    for x in lg.tables("rsa"):
        _cles(x, MontantRsa)
        rsa.append(
            MontantRsa(
                debut=x.date("debut"),
                source=x.text("source"),
                verifie=x.boolean("verifie", True),
                montant=x.positive("montant"),
            )
        )
    compo = _cles(lg.table("rsa_composition"), RsaComposition)
    return {
        "rsa": _serie(lg, "rsa", rsa),
        "rsa_composition": RsaComposition(
            debut=compo.date("debut"),
            source=compo.text("source"),
            deux_personnes=compo.positive("deux_personnes"),
            trois_personnes=compo.positive("trois_personnes"),
        ),
        "forfait_sans_aide_logement": _serie(
            lg, "sans_aide_logement", [_taux_forfait(x) for x in lg.tables("sans_aide_logement")]
        ),
        "forfait_aide_logement": _serie(
            lg, "aide_logement", [_taux_forfait(x) for x in lg.tables("aide_logement")]
        ),
    }


def _abattements(ab: Table) -> dict[str, Any]:
    ab.only({"aah", "asi", "aspa"})
    aah = []
    for x in ab.tables("aah"):
        _cles(x, AbattementIndividuel)
        aah.append(
            AbattementIndividuel(
                debut=x.date("debut"), source=x.text("source"), mensuel=x.positive("mensuel")
            )
        )
    return {
        "abattement_aah": _serie(ab, "aah", aah),
        "abattement_asi": _serie(ab, "asi", [_abattement_foyer(x) for x in ab.tables("asi")]),
        "abattement_aspa": _serie(ab, "aspa", [_abattement_foyer(x) for x in ab.tables("aspa")]),
    }


def _verifier_publies(b: Baremes) -> None:
    """Chaque barème publié doit rester à ±3 € de la formule R861-3 (garde-fou de saisie)."""
    erreur = _erreur("plafonds.toml")
    dom = UN + b.majoration_dom.taux
    participation = UN + b.majoration_participation.taux
    for r in b.revalorisations:
        for zone, facteur_zone in (("metropole", UN), ("dom", dom)):
            publie = r.publie(zone == "dom")
            if publie is None:
                continue
            chemin = f"revalorisation du {r.debut.isoformat()}, {zone}"
            if zone == "metropole" and publie.gratuite[0] != r.plafond_une_personne:
                raise erreur(
                    chemin, "le barème publié pour une personne diffère de plafond_une_personne"
                )
            for avec, facteur in ((False, UN), (True, participation)):
                valeurs, supplement = publie.table(avec)
                nom = "participation" if avec else "gratuite"
                if len(valeurs) < 4:
                    raise erreur(
                        f"{chemin}.{nom}", "au moins 4 tailles de foyer attendues (1 à 4 personnes)"
                    )
                for n, publiee in enumerate(valeurs, start=1):
                    calculee = arrondi_euro(
                        r.plafond_une_personne
                        * facteur_zone
                        * facteur
                        * b.composition.coefficient([UN] * n)
                    )
                    if abs(publiee - calculee) > TOLERANCE_BAREME_PUBLIE:
                        raise erreur(
                            f"{chemin}.{nom}[{n - 1}]",
                            f"{publiee} s'écarte de plus de {TOLERANCE_BAREME_PUBLIE} € de la "
                            f"formule ({calculee})",
                        )
                calcule = (
                    r.plafond_une_personne
                    * facteur_zone
                    * facteur
                    * b.composition.majoration(len(valeurs) + 1)
                )
                if abs(supplement - calcule) > TOLERANCE_BAREME_PUBLIE:
                    raise erreur(
                        f"{chemin}.{nom}_personne_supplementaire",
                        f"{supplement} s'écarte de plus de {TOLERANCE_BAREME_PUBLIE} € de la "
                        f"formule ({arrondi_euro(calcule)})",
                    )


def charger(repertoire: Path | None = None) -> Baremes:
    """Lit et valide les barèmes (du paquet, ou d'un autre répertoire pour les tests)."""
    d = {nom: _lire(repertoire, nom) for nom in FICHIERS}
    regles = _regles(d["regles.toml"])
    colonnes = {t.participation for t in regles["territoires"].values()}
    baremes = Baremes(
        revalorisations=_plafonds(d["plafonds.toml"]),
        participation=_participation(d["participation.toml"], colonnes),
        **regles,
        **_logement(d["logement.toml"]),
        **_abattements(d["abattements.toml"]),
    )
    _verifier_publies(baremes)
    return baremes


BAREMES = charger()
