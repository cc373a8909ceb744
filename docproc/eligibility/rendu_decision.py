"""Le rendu JSON (contrat §5) des détails de la décision : participation mensuelle par membre,
composition du foyer, détail des ressources. Aucun calcul : les valeurs viennent du moteur.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .calcul import Forfait, Part, Personne, Ressources
from .texte import nombre


def participation_mensuelle(parts: list[Part], total: Decimal) -> dict[str, Any]:
    return {
        "total": nombre(total),
        "par_membre": [
            {
                "role": p.personne.membre.role,
                "age": p.age,
                "montant": nombre(p.montant),
                "membre": p.personne.membre.index,
            }
            for p in parts
        ],
    }


def composition_foyer(foyer: list[Personne], exclus: list[Personne]) -> list[dict[str, Any]]:
    return [
        {
            "membre": p.membre.index,
            "role": p.membre.role,
            "age": p.age,
            "compte": p.compte,
            "part": nombre(p.poids),
            **({"motif": p.motif} if p.motif else {}),
        }
        for p in sorted(foyer + exclus, key=lambda p: p.membre.index)
    ]


def detail_ressources(
    ressources: Ressources, forfait: Forfait, retenues: Decimal
) -> dict[str, Any]:
    return {
        "comptees": {c: nombre(m) for c, m in ressources.comptees.items()},
        "abattues": {
            c: {"percu": nombre(v), "abattement": nombre(a), "compte": nombre(v - a)}
            for c, (v, a, _) in ressources.abattues.items()
        },
        "deduites": {c: nombre(m) for c, m in ressources.deduites.items()},
        "patrimoine": {
            c: {
                "detenu": nombre(ressources.patrimoine_detenu[c]),
                "taux": float(t),
                "compte": nombre(v),
            }
            for c, (t, v) in ressources.patrimoine_compte.items()
        },
        "patrimoine_non_compte": {
            c: nombre(m)
            for c, m in ressources.patrimoine_detenu.items()
            if c not in ressources.patrimoine_compte
        },
        "abattement_activite": [
            {
                "membre": m.index,
                "situation": s,
                "remunerations": nombre(base),
                "abattement": nombre(a),
            }
            for m, s, base, a in ressources.abattement_activite
        ],
        "total_avant_forfait": nombre(ressources.total),
        "forfait_logement": nombre(forfait.montant),
        "total": nombre(retenues),
    }
