"""Alimentation du foyer à partir des documents extraits (contrat §3 → contrat §5).

``household_from_documents(declared, documents, request_date)`` part du foyer déclaré et le
complète avec les documents acceptés (ou à vérifier) ; les documents rejetés ne sont jamais
utilisés. Chaque montant repris d'un document est tracé dans ``household["provenance"]``
(document, page, champ) ; chaque désaccord entre la déclaration et les documents devient un
avertissement pour l'agent, au format CHECK du contrat.

Règles de reprise (ce que la caisse prend de l'avis d'impôt) :

- revenus de capitaux mobiliers, revenus fonciers, pensions alimentaires reçues : le montant
  du dernier avis d'imposition connu est retenu (R861-8, 2e phrase : revenus du patrimoine,
  produits de placement, salaires et pensions de source étrangère, pensions et obligations
  alimentaires perçues « sont ceux du dernier avis d'imposition connu ») ; bénéfices d'activité
  indépendante (BIC, BNC, BA, micro-entreprise) : l'avis aussi (R861-15 CSS) ;
- salaires, pensions, chômage, pensions alimentaires versées : la CSS retient les montants
  perçus sur la période de référence (M-13 … M-2), que l'avis ne donne pas. Le montant déclaré
  est gardé ; s'il manque, celui de l'avis est repris comme estimation, avec un avertissement ;
- plus-values : non reprises (tracées) ; « autres » revenus : signalés à l'agent ;
- lignes sans déclarant (``declarant`` null) : les revenus du patrimoine (capitaux, fonciers)
  sont ceux du foyer fiscal, tenus par le 1er déclarant ; toute autre ligne vient de la colonne
  des personnes à charge : elle est du foyer (R861-2, L861-2) mais d'aucun déclarant, et va à
  une personne à charge du foyer (jamais au demandeur) ;
- attestation de ressources inférieures au RSA : bénéficiaire du RSA ;
- justificatif étranger : revenus perçus à l'étranger (montant converti en euros) ;
- taxe foncière : biens non loués (hors résidence principale), pour les demandes antérieures
  au décret du 28 juin 2025 seulement.

Les messages ne contiennent aucune donnée personnelle : les montants sont dans ``data``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from .reprise import Reprise
from .reprise_avis import lire_avis
from .reprise_justificatifs import (
    adresse_residence,
    lire_attestation_rsa,
    lire_justificatifs_etrangers,
    lire_taxes_foncieres,
)

# Le nom et les paramètres anglais de l'entrée sont ceux du contrat (§5), que le service appelle.
__all__ = ["household_from_documents"]


class DocumentExtrait(Protocol):
    """Un document tel que ``docproc.pipeline.extract`` le rend (``DocumentResult``) : son
    dictionnaire du contrat §3 par ``to_contract()``."""

    def to_contract(self) -> dict[str, Any]: ...


def household_from_documents(
    declared: dict[str, Any] | None,
    documents: Sequence[dict[str, Any] | DocumentExtrait],
    request_date: date,
    beneficiaires: Mapping[str, str | None] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Foyer du contrat §5 complété par les documents, et avertissements pour l'agent.

    ``beneficiaires`` : le « beneficiaire » indiqué à l'envoi de chaque fichier, par nom de
    fichier (celui des ``pages[].file`` des documents) ; comparé aux déclarants des avis.
    ``documents`` : les dictionnaires du contrat §3 (JSON enregistré par le service) ou les
    documents de ``extract`` eux-mêmes.
    """
    reprise = Reprise(declared, request_date, beneficiaires)
    utilisables: list[tuple[int, dict[str, Any]]] = []
    for index, extrait in enumerate(documents):
        document = extrait.to_contract() if hasattr(extrait, "to_contract") else extrait
        if not isinstance(document, dict) or document.get("status") == "rejected":
            continue
        if document.get("status") == "needs_review":
            reprise.avertir(
                "document_a_verifier",
                "Un document utilisé pour le calcul doit encore être vérifié.",
                document=index,
                kind=document.get("kind"),
            )
        if document.get("kind") == "declaration_revenus":
            reprise.avertir(
                "declaration_non_avis",
                "Une déclaration de revenus a été fournie : elle ne remplace pas l'avis "
                "d'impôt et n'est pas utilisée.",
                document=index,
            )
            continue
        utilisables.append((index, document))
    lire_avis(reprise, utilisables)
    for index, document in utilisables:
        if document.get("kind") == "attestation_rsa":
            lire_attestation_rsa(reprise, index, document)
    lire_justificatifs_etrangers(
        reprise, [x for x in utilisables if x[1].get("kind") == "justificatif_etranger"]
    )
    lire_taxes_foncieres(
        reprise,
        [x for x in utilisables if x[1].get("kind") == "taxe_fonciere"],
        adresse_residence(utilisables),
    )
    foyer = reprise.foyer
    foyer["provenance"] = reprise.provenance
    return foyer, reprise.avertissements
