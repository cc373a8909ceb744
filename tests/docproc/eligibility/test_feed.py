"""Alimentation du foyer à partir de résultats d'extraction synthétiques (contrat §3)."""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

import pytest

from docproc.eligibility import evaluate
from docproc.eligibility.alimentation import household_from_documents
from tests import paths

JOUR = date(2025, 6, 10)


def avis(
    revenus: list[dict[str, Any]],
    status: str = "accepted",
    kind: str = "avis_impot_revenu",
    **champs: Any,
) -> dict[str, Any]:
    fields = {
        "annee_revenus": 2024,
        "annee_avis": 2025,
        "reference_avis": "2575A12345678",
        "situation_famille": "M",
        "nombre_parts": 2.5,
        "personnes_a_charge": 1,
        "adresse": "12 RUE DES LILAS 75011 PARIS",
        "declarants": [
            {"nom": "DUPONT", "prenoms": "MARIE CLAIRE", "identite": "DUPONT MARIE CLAIRE"},
            {"nom": "DUPONT", "prenoms": "JEAN", "identite": "DUPONT JEAN"},
        ],
        "revenus": revenus,
    }
    fields.update(champs)
    return {
        "kind": kind,
        "status": status,
        "pages": [
            {"file": "avis-p1.jpg", "page": 1, "number": 1, "of": 2},
            {"file": "avis-p2.jpg", "page": 1, "number": 2, "of": 2},
        ],
        "complete": True,
        "missing_pages": [],
        "fields": fields,
        "provenance": {
            "revenus": {"source": "ocr", "page": 2, "confidence": 0.93},
            "revenus[0]": {"source": "text", "page": 1, "confidence": 0.99},
        },
        "checks": [],
    }


def declare(**ressources_demandeur: float) -> dict[str, Any]:
    return {
        "date_demande": "2025-06-10",
        "territoire": "metropole",
        "logement": "locataire",
        "aide_logement_mensuelle": 0,
        "rsa_beneficiaire": False,
        "membres": [
            {
                "role": "demandeur",
                "date_naissance": "1986-03-14",
                "ressources": dict(ressources_demandeur),
            },
            {"role": "conjoint", "date_naissance": "1988-11-02", "ressources": {}},
            {"role": "enfant", "date_naissance": "2014-05-20"},
        ],
    }


REVENUS: list[dict[str, Any]] = [
    {"categorie": "salaires", "declarant": 1, "montant": 14000},
    {"categorie": "salaires", "declarant": 2, "montant": 3000},
    {"categorie": "revenus_capitaux_mobiliers", "declarant": None, "montant": 120},
    {"categorie": "revenus_fonciers", "declarant": None, "montant": 800},
    {"categorie": "bic", "declarant": 2, "montant": 1500},
    {"categorie": "bnc", "declarant": 2, "montant": 500},
    {"categorie": "plus_values", "declarant": None, "montant": 50},
]


def codes(avertissements: list[dict[str, Any]]) -> list[str]:
    return [a["code"] for a in avertissements]


def ressources(foyer: dict[str, Any], role: str) -> dict[str, Any]:
    (m,) = [m for m in foyer["membres"] if m["role"] == role]
    return dict(m.get("ressources") or {})


def test_avis_vers_ressources_provenance_et_avertissements() -> None:
    foyer, avertissements = household_from_documents(
        declare(salaire_net=14400), [avis(REVENUS)], JOUR
    )
    # salaires : le déclaré (période de référence) est gardé ; l'avis complète le conjoint.
    assert ressources(foyer, "demandeur") == {
        "salaire_net": 14400,
        "revenus_capital": 120,
        "revenus_locatifs": 800,
    }
    assert ressources(foyer, "conjoint") == {"salaire_net": 3000, "tns_benefice": 2000}
    # chaque montant repris est tracé : document, page, champ
    traces = {(p["champ"], p["ressource"]): p for p in foyer["provenance"]}
    rcm = traces[("revenus[2]", "revenus_capital")]
    assert rcm["document"] == {"index": 0, "kind": "avis_impot_revenu"}
    assert (rcm["page"], rcm["fichier"], rcm["source"], rcm["utilise"]) == (
        2,
        "avis-p2.jpg",
        "ocr",
        True,
    )
    salaire = traces[("revenus[0]", "salaire_net")]
    assert (salaire["page"], salaire["fichier"], salaire["utilise"]) == (1, "avis-p1.jpg", False)
    assert traces[("revenus[6]", None)]["categorie"] == "plus_values"
    assert traces[("revenus[6]", None)]["utilise"] is False
    # les revenus absents de la déclaration deviennent des avertissements
    manquants = {
        a["data"]["ressource"]
        for a in avertissements
        if a["code"] == "eligibilite.revenu_non_declare"
    }
    assert manquants == {"salaire_net", "revenus_capital", "revenus_locatifs", "tns_benefice"}
    for a in avertissements:
        assert set(a) == {"code", "level", "ok", "message", "data"}
        assert a["level"] == "warning" and a["ok"] is False
        assert not re.search(r"\b(14000|3000|120|800|DUPONT)\b", a["message"])
    # le foyer obtenu est une entrée valide du moteur
    r = evaluate(foyer)
    assert r["ressources_retenues"] == 14400 + 120 + 800 + 3000 + 2000


def test_ecart_de_montant_signale_seulement_au_dela_de_10_pour_cent() -> None:
    _, proches = household_from_documents(declare(salaire_net=14400), [avis(REVENUS[:1])], JOUR)
    assert "eligibilite.revenu_different" not in codes(proches)
    _, loin = household_from_documents(declare(salaire_net=9000), [avis(REVENUS[:1])], JOUR)
    assert "eligibilite.revenu_different" in codes(loin)
    _, zero = household_from_documents(declare(salaire_net=0), [avis(REVENUS[:1])], JOUR)
    assert "eligibilite.revenu_non_declare" in codes(zero)


def test_revenus_de_l_avis_font_foi_pour_capitaux_et_fonciers() -> None:
    foyer, avertissements = household_from_documents(
        declare(revenus_capital=40),
        [avis([{"categorie": "revenus_capitaux_mobiliers", "declarant": None, "montant": 120}])],
        JOUR,
    )
    assert ressources(foyer, "demandeur")["revenus_capital"] == 120
    assert "eligibilite.revenu_different" in codes(avertissements)


def test_document_rejete_jamais_utilise() -> None:
    rejete = avis(
        [{"categorie": "salaires", "declarant": 1, "montant": 99999}],
        status="rejected",
        annee_revenus=2025,
    )
    foyer, avertissements = household_from_documents(declare(salaire_net=14400), [rejete], JOUR)
    assert foyer["provenance"] == []
    assert ressources(foyer, "demandeur") == {"salaire_net": 14400}
    assert avertissements == []
    # à côté d'un avis accepté plus ancien, c'est l'accepté qui sert
    foyer, _ = household_from_documents(declare(), [rejete, avis(REVENUS[:1])], JOUR)
    assert ressources(foyer, "demandeur") == {"salaire_net": 14000}
    assert all(p["document"]["index"] == 1 for p in foyer["provenance"])
    rsa_rejetee = {
        "kind": "attestation_rsa",
        "status": "rejected",
        "fields": {"ressources_inferieures_rsa": True},
    }
    foyer, _ = household_from_documents(declare(), [rsa_rejetee], JOUR)
    assert foyer["rsa_beneficiaire"] is False


def test_document_a_verifier_utilise_avec_avertissement() -> None:
    foyer, avertissements = household_from_documents(
        declare(), [avis(REVENUS[:1], status="needs_review")], JOUR
    )
    assert ressources(foyer, "demandeur") == {"salaire_net": 14000}
    assert "eligibilite.document_a_verifier" in codes(avertissements)


def test_avis_prefere_a_l_asdir_et_le_plus_recent() -> None:
    ancien = avis(
        [{"categorie": "salaires", "declarant": 1, "montant": 1}],
        annee_revenus=2023,
        reference_avis="2475A00000001",
    )
    asdir = avis([{"categorie": "salaires", "declarant": 1, "montant": 2}], kind="asdir")
    recent = avis([{"categorie": "salaires", "declarant": 1, "montant": 3}])
    foyer, _ = household_from_documents(declare(), [ancien, asdir, recent], JOUR)
    assert ressources(foyer, "demandeur") == {"salaire_net": 3}
    foyer, _ = household_from_documents(declare(), [ancien, asdir], JOUR)
    assert ressources(foyer, "demandeur") == {"salaire_net": 2}


def test_avis_trop_ancien() -> None:
    _, avertissements = household_from_documents(
        declare(), [avis(REVENUS[:1], annee_revenus=2021)], JOUR
    )
    assert "eligibilite.avis_ancien" in codes(avertissements)


@pytest.mark.parametrize(
    ("champs", "code"),
    [
        ({"personnes_a_charge": 3, "nombre_parts": 4}, "eligibilite.foyer_personnes_a_charge"),
        ({"nombre_parts": 1.5}, "eligibilite.foyer_nombre_parts"),
        ({"nombre_parts": 5}, "eligibilite.foyer_nombre_parts"),
    ],
)
def test_composition_du_foyer_comparee_a_l_avis(champs: dict[str, Any], code: str) -> None:
    _, avertissements = household_from_documents(declare(), [avis([], **champs)], JOUR)
    assert code in codes(avertissements)
    _, aucun = household_from_documents(declare(), [avis([])], JOUR)
    assert aucun == []


def test_couple_sur_l_avis_sans_conjoint_declare() -> None:
    h = declare()
    h["membres"] = [h["membres"][0], h["membres"][2]]
    foyer, avertissements = household_from_documents(h, [avis(REVENUS[:2])], JOUR)
    assert {"eligibilite.foyer_conjoint", "eligibilite.declarant_absent"} <= set(
        codes(avertissements)
    )
    assert [m["role"] for m in foyer["membres"]] == ["demandeur", "enfant"]


def test_declarants_reconnus_par_le_nom() -> None:
    h = declare()
    h["membres"][0].update(nom="Dupont", prenoms="Jean")
    h["membres"][1].update(nom="DUPONT", prenoms="Marie-Claire")
    foyer, _ = household_from_documents(h, [avis(REVENUS[:2])], JOUR)
    assert ressources(foyer, "demandeur") == {"salaire_net": 3000}
    assert ressources(foyer, "conjoint") == {"salaire_net": 14000}


def test_sans_foyer_declare() -> None:
    foyer, avertissements = household_from_documents(None, [avis(REVENUS)], JOUR)
    assert foyer["date_demande"] == "2025-06-10"
    assert [m["role"] for m in foyer["membres"]] == ["demandeur", "conjoint", "enfant"]
    assert ressources(foyer, "demandeur") == {
        "salaire_net": 14000,
        "revenus_capital": 120,
        "revenus_locatifs": 800,
    }
    assert {"eligibilite.foyer_non_declare", "eligibilite.foyer_incomplet"} <= set(
        codes(avertissements)
    )


def test_attestation_rsa() -> None:
    attestation: dict[str, Any] = {
        "kind": "attestation_rsa",
        "status": "accepted",
        "pages": [{"file": "rsa.pdf", "page": 1}],
        "fields": {
            "organisme": "CAF",
            "date_attestation": "2025-05-20",
            "ressources_inferieures_rsa": True,
        },
        "provenance": {
            "ressources_inferieures_rsa": {"source": "text", "page": 1, "confidence": 1}
        },
    }
    foyer, avertissements = household_from_documents(
        declare(salaire_net=30000), [attestation], JOUR
    )
    assert foyer["rsa_beneficiaire"] is True
    assert "eligibilite.rsa_non_declare" in codes(avertissements)
    assert evaluate(foyer)["decision"] == "css_gratuite"
    ancienne = copy.deepcopy(attestation)
    ancienne["fields"]["date_attestation"] = "2024-12-01"
    _, avertissements = household_from_documents(declare(), [ancienne], JOUR)
    assert "eligibilite.attestation_rsa_ancienne" in codes(avertissements)
    non = copy.deepcopy(attestation)
    non["fields"]["ressources_inferieures_rsa"] = False
    foyer, _ = household_from_documents(declare(), [non], JOUR)
    assert foyer["rsa_beneficiaire"] is False


def test_justificatif_etranger() -> None:
    etranger: dict[str, Any] = {
        "kind": "justificatif_etranger",
        "status": "accepted",
        "pages": [{"file": "es.pdf", "page": 1}],
        "fields": {
            "pays": "ES",
            "annee": 2024,
            "revenu_annuel": 3000,
            "devise": "EUR",
            "revenu_annuel_eur": 3000,
        },
        "provenance": {"revenu_annuel_eur": {"source": "text", "page": 1, "confidence": 0.9}},
    }
    foyer, avertissements = household_from_documents(declare(), [etranger], JOUR)
    assert ressources(foyer, "demandeur") == {"revenus_etrangers": 3000}
    assert "eligibilite.revenu_non_declare" in codes(avertissements)
    assert foyer["provenance"][0]["champ"] == "revenu_annuel_eur"
    sans_conversion = copy.deepcopy(etranger)
    del sans_conversion["fields"]["revenu_annuel_eur"]
    sans_conversion["fields"].update(devise="MAD", revenu_annuel=40000)
    foyer, avertissements = household_from_documents(declare(), [sans_conversion], JOUR)
    assert ressources(foyer, "demandeur") == {}
    assert "eligibilite.devise_non_convertie" in codes(avertissements)


def _fonciere() -> dict[str, Any]:
    return {
        "kind": "taxe_fonciere",
        "status": "accepted",
        "pages": [{"file": "tf.pdf", "page": 1, "number": 1}],
        "fields": {
            "annee_imposition": 2024,
            "biens": [
                {
                    "commune": "PARIS",
                    "adresse": "12 RUE DES LILAS",
                    "nature": "bati",
                    "revenu_cadastral": 900,
                },
                {
                    "commune": "GUERET",
                    "adresse": "3 CHEMIN DU MOULIN",
                    "nature": "bati",
                    "revenu_cadastral": 600,
                },
                {
                    "commune": "GUERET",
                    "adresse": "LIEU-DIT LES PRES",
                    "nature": "non_bati",
                    "revenu_cadastral": 80,
                },
            ],
        },
        "provenance": {"biens": {"source": "text", "page": 1, "confidence": 0.95}},
    }


@pytest.mark.parametrize(
    ("jour", "attendu"),
    [
        (
            date(2025, 6, 10),
            {"valeur_locative_immo_non_loue": 1200, "valeur_locative_terrains_non_loues": 100},
        ),
        (date(2025, 7, 15), {}),
    ],
)
def test_taxe_fonciere_avant_et_apres_le_decret(jour: date, attendu: dict[str, float]) -> None:
    h = declare()
    h["date_demande"] = jour.isoformat()
    foyer, avertissements = household_from_documents(h, [avis([]), _fonciere()], jour)
    assert ressources(foyer, "demandeur") == attendu
    residence = [p for p in foyer["provenance"] if p["champ"] == "biens[0]"]
    assert residence and residence[0]["utilise"] is False
    # résidence principale d'un foyer « locataire » : à vérifier
    assert "eligibilite.logement_proprietaire" in codes(avertissements)
    if attendu:
        assert "eligibilite.bien_non_loue" in codes(avertissements)
        # revenu fictif = 50 % de la valeur locative (RC = 50 % de la VL) + 80 % pour le non bâti
        r = evaluate(foyer)
        assert r["ressources_retenues"] == 600 + 80
    else:
        assert all(p["utilise"] is False for p in foyer["provenance"])


def test_declaration_de_revenus_non_utilisee() -> None:
    declaration = avis(REVENUS[:1], kind="declaration_revenus")
    foyer, avertissements = household_from_documents(declare(), [declaration], JOUR)
    assert ressources(foyer, "demandeur") == {}
    assert "eligibilite.declaration_non_avis" in codes(avertissements)


def test_foyer_declare_non_modifie() -> None:
    h = declare(salaire_net=1)
    original = copy.deepcopy(h)
    household_from_documents(h, [avis(REVENUS)], JOUR)
    assert h == original


def test_deficit_compte_pour_zero() -> None:
    foyer, _ = household_from_documents(
        declare(),
        [avis([{"categorie": "revenus_fonciers", "declarant": None, "montant": -2500}])],
        JOUR,
    )
    assert ressources(foyer, "demandeur") == {"revenus_locatifs": 0}
    assert evaluate(foyer)["ressources_retenues"] == 0


@pytest.mark.parametrize(
    "document",
    [
        "pas un objet",
        {"kind": "avis_impot_revenu", "status": "accepted", "fields": []},
        {"kind": "avis_impot_revenu", "status": "accepted", "fields": {"annee_revenus": True}},
        {
            "kind": "avis_impot_revenu",
            "status": "accepted",
            "fields": {"annee_revenus": 2024, "revenus": "salaires", "declarants": "X"},
            "pages": "p1",
            "provenance": [],
        },
        {
            "kind": "avis_impot_revenu",
            "status": "accepted",
            "fields": {
                "annee_revenus": 2024,
                "revenus": [
                    {"categorie": "inconnue", "montant": 5},
                    {"categorie": "salaires", "montant": "cent"},
                    None,
                ],
            },
        },
        {
            "kind": "taxe_fonciere",
            "status": "accepted",
            "fields": {"biens": [None, {"revenu_cadastral": "x"}]},
        },
        {
            "kind": "justificatif_etranger",
            "status": "accepted",
            "fields": {"revenu_annuel_eur": float("nan")},
        },
        {"kind": "inconnu", "status": "accepted"},
    ],
)
def test_documents_mal_formes_sans_plantage(document: Any) -> None:
    foyer, avertissements = household_from_documents(declare(), [document], JOUR)
    assert evaluate(foyer)["decision"] == "css_gratuite"
    assert isinstance(avertissements, list)


def test_pensions_alimentaires_recues_prises_du_dernier_avis_r861_8() -> None:
    # R861-8, 2e phrase : pensions alimentaires perçues, revenus du patrimoine et produits de placement
    # « sont ceux du dernier avis d'imposition connu » : l'avis fait foi, même si le déclaré diffère.
    foyer, avertissements = household_from_documents(
        declare(pensions_alimentaires_percues=1000),
        [avis([{"categorie": "pensions_alimentaires_recues", "declarant": 1, "montant": 2400}])],
        JOUR,
    )
    assert ressources(foyer, "demandeur")["pensions_alimentaires_percues"] == 2400
    assert "eligibilite.revenu_different" in codes(avertissements)
    [trace] = [
        p for p in foyer["provenance"] if p.get("ressource") == "pensions_alimentaires_percues"
    ]
    assert trace["utilise"] is True and trace["regle"].startswith("R861-8") and trace["page"] == 1
    r = evaluate(foyer)
    assert r["detail_ressources"]["comptees"]["pensions_alimentaires_percues"] == 2400
    assert any("dernier avis d'imposition" in p and "R861-8" in p for p in r["explication"])


# -- colonne « personnes à charge » de l'avis (declarant null) : du foyer, d'aucun déclarant --

REVENUS_PAC: list[dict[str, Any]] = [
    {"categorie": "salaires", "declarant": 1, "montant": 14000},
    {"categorie": "salaires", "declarant": None, "montant": 2500},  # job d'été de l'enfant
    {"categorie": "revenus_capitaux_mobiliers", "declarant": None, "montant": 120},
]


def test_revenus_des_personnes_a_charge_jamais_au_compte_du_declarant_1() -> None:
    """Régression : une ligne sans déclarant allait au déclarant 1 ; le salaire de l'enfant s'y
    confondait avec celui, déclaré, du demandeur (gardé pour la période) et disparaissait."""
    foyer, avertissements = household_from_documents(
        declare(salaire_net=14400), [avis(REVENUS_PAC)], JOUR
    )
    assert ressources(foyer, "demandeur") == {"salaire_net": 14400, "revenus_capital": 120}
    assert ressources(foyer, "enfant") == {"salaire_net": 2500}
    trace = next(p for p in foyer["provenance"] if p["champ"] == "revenus[1]")
    assert (trace["role"], trace["colonne"], trace["utilise"]) == (
        "enfant",
        "personnes_a_charge",
        True,
    )
    assert "eligibilite.revenu_different" not in codes(avertissements)
    # le moteur les compte avec les ressources du foyer (L861-2), l'enfant ayant moins de 25 ans
    decision = evaluate(foyer)
    assert decision["detail_ressources"]["comptees"]["salaire_net"] == 14400 + 2500


def test_revenus_des_personnes_a_charge_sans_personne_a_charge_declaree() -> None:
    h = declare(salaire_net=14400)
    h["membres"] = h["membres"][:2]
    foyer, avertissements = household_from_documents(
        h, [avis(REVENUS_PAC, personnes_a_charge=0)], JOUR
    )
    assert ressources(foyer, "demandeur") == {"salaire_net": 14400, "revenus_capital": 120}
    assert "eligibilite.personne_a_charge_absente" in codes(avertissements)
    trace = next(p for p in foyer["provenance"] if p["champ"] == "revenus[1]")
    assert (trace["role"], trace["utilise"]) == (None, False)


def test_revenu_sans_membre_trace_non_utilise_et_avertit() -> None:
    """Les deux cas d'un revenu qu'aucun membre déclaré ne porte (personne à charge absente,
    second déclarant absent) : même trace non utilisée avec son motif, et leur avertissement."""
    h = declare(salaire_net=14400)
    h["membres"] = h["membres"][:2]
    foyer, avertissements = household_from_documents(
        h, [avis(REVENUS_PAC, personnes_a_charge=0)], JOUR
    )
    (pac,) = [a for a in avertissements if a["code"] == "eligibilite.personne_a_charge_absente"]
    assert pac["data"] == {"ressource": "salaire_net", "montant": 2500, "annee_revenus": 2024}
    trace = next(p for p in foyer["provenance"] if p["champ"] == "revenus[1]")
    assert (trace["ressource"], trace["montant"], trace["role"], trace["utilise"]) == (
        "salaire_net",
        2500,
        None,
        False,
    )
    assert trace["motif"] == "personne à charge absente du foyer déclaré"

    h = declare()
    h["membres"] = [h["membres"][0], h["membres"][2]]
    foyer, avertissements = household_from_documents(h, [avis(REVENUS[:2])], JOUR)
    (absent,) = [a for a in avertissements if a["code"] == "eligibilite.declarant_absent"]
    assert absent["data"] == {"annee_revenus": 2024}
    trace = next(p for p in foyer["provenance"] if p["champ"] == "revenus[1]")
    assert (trace["ressource"], trace["role"], trace["utilise"]) == ("salaire_net", None, False)
    assert trace["motif"] == "déclarant absent du foyer déclaré"


def test_revenus_des_personnes_a_charge_vont_a_la_plus_agee_sans_foyer_declare() -> None:
    foyer, _ = household_from_documents(None, [avis(REVENUS_PAC, personnes_a_charge=0)], JOUR)
    assert [m["role"] for m in foyer["membres"]] == ["demandeur", "conjoint", "enfant"]
    assert ressources(foyer, "enfant") == {"salaire_net": 2500}
    h = declare()
    h["membres"].append({"role": "enfant", "date_naissance": "2008-01-15"})
    foyer, _ = household_from_documents(h, [avis(REVENUS_PAC, personnes_a_charge=2)], JOUR)
    assert [m.get("ressources") for m in foyer["membres"][2:]] == [None, {"salaire_net": 2500}]


def test_documents_of_extract_feed_as_their_contract_dicts() -> None:
    """The feed takes ``extract``'s typed documents as well as the stored JSON, alike."""

    from docproc.models import Upload
    from docproc.pipeline import extract

    sample = paths.SAMPLES / "avis_2025_couple_4p.pdf"
    result = extract([Upload(sample.name, sample.read_bytes())], JOUR)
    assert result.documents
    typed = household_from_documents(declare(), result.documents, JOUR)
    stored = household_from_documents(declare(), result.to_contract()["documents"], JOUR)
    assert typed == stored
