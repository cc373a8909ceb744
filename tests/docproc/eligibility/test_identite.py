"""Issue 11, point 8 : les documents appartiennent-ils à ce foyer ? (noms pliés, tolérance OCR bornée)."""

from __future__ import annotations

from typing import Any

import pytest

from docproc.eligibility.alimentation import household_from_documents
from docproc.eligibility.identite import APPROCHE, EXACT, apparier, identite, ressemblance

from .test_feed import JOUR, avis, codes, declare


@pytest.mark.parametrize(
    ("a", "b", "degre"),
    [
        (("Dupont", "Marie-Claire"), ("DUPONT", "MARIE CLAIRE"), EXACT),  # casse, trait d'union
        (("Lefèvre", "Hélène"), ("LEFEVRE", "HELENE"), EXACT),  # accents
        (("d'Almeida", "José"), ("ALMEIDA", "JOSE"), EXACT),  # particule et apostrophe
        (("De La Fontaine", "Jean"), ("LA FONTAINE", "JEAN"), EXACT),  # particules
        (
            ("Dupont", "Claire Marie"),
            ("DUPONT", "MARIE CLAIRE"),
            EXACT,
        ),  # prénoms dans un autre ordre
        (("Dupont", "Marie"), ("DUPONT", "MARIE CLAIRE"), EXACT),  # premier prénom seulement
        (("Dupont", "Marie"), ("DUPOMT", "MARIE"), APPROCHE),  # une lettre mal lue (6 lettres)
        (("Bernardini", "Anne"), ("BERNARDIMI", "ANNE"), APPROCHE),  # idem, nom long
        (("Dupont", "Jean"), ("DUPONT", "JEANNE"), None),  # deux personnes différentes
        (("Roux", "Paul"), ("ROUS", "PAUL"), None),  # nom court : aucune faute tolérée
        (("Martin", "Luc"), ("MARTIN", "LUCIE"), None),
        (("Durand", "Anne"), ("DUPONT", "ANNE"), None),
    ],
)
def test_ressemblance(a: tuple[str, str], b: tuple[str, str], degre: int | None) -> None:
    assert ressemblance(identite(*a), identite(*b)) == degre


def test_nom_d_usage_ou_de_naissance() -> None:
    membre = identite("Martin", "Sophie", "Dupont")  # née Martin, nom d'usage Dupont
    assert ressemblance(identite("DUPONT", "SOPHIE"), membre) == EXACT
    assert ressemblance(identite("MARTIN", "SOPHIE"), membre) == EXACT
    assert (
        ressemblance(identite("DUPONT EPOUSE MARTIN", "SOPHIE"), identite("Martin", "Sophie"))
        == EXACT
    )


def test_jamais_deux_personnes_confondues_par_la_tolerance() -> None:
    # Jumeaux « MARION » et « MARIOM » (lecture fautive possible de l'un ou de l'autre) : le
    # rapprochement exact passe d'abord, l'approché n'est jamais fait s'il y a deux candidats.
    declarants = [identite("DUPONT", "MARION"), identite("DUPONT", "MARIAN")]
    membres = [identite("Dupont", "Marian"), identite("Dupont", "Marion")]
    assert apparier(declarants, membres) == {0: (1, EXACT), 1: (0, EXACT)}
    ambigu = [identite("DUPONT", "MARIEN")]  # à une lettre de chacun des deux
    assert apparier(ambigu, membres) == {}


def _nomme(h: dict[str, Any], role: str, **noms: str) -> None:
    for m in h["membres"]:
        if m["role"] == role:
            m.update(noms)


def test_declarants_de_l_avis_reconnus_dans_le_foyer_sans_avertissement() -> None:
    h = declare()
    _nomme(h, "demandeur", nom="Dupont", prenoms="Marie-Claire")
    _nomme(h, "conjoint", nom="Dupont", prenoms="Jean")
    _, avertissements = household_from_documents(h, [avis([])], JOUR)
    assert not {
        "eligibilite.identite_inconnue",
        "eligibilite.identite_approchee",
        "eligibilite.demandeur_absent_avis",
    } & set(codes(avertissements))


def test_avis_d_une_autre_personne_signale_avec_les_deux_cotes() -> None:
    h = declare()
    _nomme(h, "demandeur", nom="Durand", prenoms="Anne")
    _, avertissements = household_from_documents(h, [avis([])], JOUR)
    [inconnu, *_] = [a for a in avertissements if a["code"] == "eligibilite.identite_inconnue"]
    assert inconnu["data"]["declarant"]["nom"] == "DUPONT"
    assert {"role": "demandeur", "nom": "Durand", "prenoms": "Anne", "nom_usage": None} in inconnu[
        "data"
    ]["membres"]
    assert (
        "DUPONT" not in inconnu["message"] and "Durand" not in inconnu["message"]
    )  # noms : data seulement
    assert "eligibilite.demandeur_absent_avis" in codes(avertissements)


def test_faute_de_lecture_signalee_sans_refus() -> None:
    h = declare(salaire_net=14000)
    _nomme(h, "demandeur", nom="Dupond", prenoms="Marie Claire")
    foyer, avertissements = household_from_documents(
        h, [avis([{"categorie": "salaires", "declarant": 1, "montant": 14000}])], JOUR
    )
    [approche] = [a for a in avertissements if a["code"] == "eligibilite.identite_approchee"]
    assert (
        approche["data"]["membre"]["nom"] == "Dupond"
        and approche["data"]["declarant"]["nom"] == "DUPONT"
    )
    assert foyer["membres"][0]["ressources"]["salaire_net"] == 14000


@pytest.mark.parametrize(
    ("beneficiaire", "signale"),
    [("Marie-Claire Dupont", False), ("DUPONT Jean", False), ("Paul Durand", True)],
)
def test_beneficiaire_de_l_envoi_compare_aux_declarants(beneficiaire: str, signale: bool) -> None:
    _, avertissements = household_from_documents(
        declare(), [avis([])], JOUR, {"avis-p1.jpg": beneficiaire}
    )
    assert ("eligibilite.beneficiaire_discordant" in codes(avertissements)) is signale


def test_taille_du_foyer_comparee_a_l_avis() -> None:
    h = declare()
    h["membres"] = h["membres"][:2]  # l'avis compte une personne à charge, le foyer aucune
    _, avertissements = household_from_documents(h, [avis([])], JOUR)
    assert "eligibilite.foyer_personnes_a_charge" in codes(avertissements)
