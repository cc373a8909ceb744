"""Fabrique de foyers pour les tests du moteur d'éligibilité."""

from __future__ import annotations

from typing import Any


def membre(
    role: str = "demandeur", naissance: str = "1980-06-15", /, **ressources: float
) -> dict[str, Any]:
    return {"role": role, "date_naissance": naissance, "ressources": dict(ressources)}


def foyer(
    *membres: dict[str, Any],
    date: str = "2025-06-10",
    territoire: str = "metropole",
    logement: str = "locataire",
    aide: float = 0,
    rsa: bool = False,
    **autres: Any,
) -> dict[str, Any]:
    return {
        "date_demande": date,
        "territoire": territoire,
        "logement": logement,
        "aide_logement_mensuelle": aide,
        "rsa_beneficiaire": rsa,
        "membres": list(membres) or [membre()],
        **autres,
    }


def enfants(n: int, naissance: str = "2015-03-01") -> list[dict[str, Any]]:
    return [membre("enfant", naissance) for _ in range(n)]


def foyer_de(n: int, salaire: float = 0, **autres: Any) -> dict[str, Any]:
    """Foyer de ``n`` personnes (demandeur, conjoint, enfants) ; le salaire va au demandeur."""
    membres = [membre("demandeur", "1980-06-15", salaire_net=salaire)]
    if n >= 2:
        membres.append(membre("conjoint", "1982-02-10"))
    membres += enfants(max(n - 2, 0))
    return foyer(*membres, **autres)
