"""Petites fonctions de calcul pures, partagées par le chargement des barèmes et le moteur.

Tous les montants sont des ``Decimal`` : les arrondis légaux (« à l'euro le plus proche, la
fraction égale à 0,50 comptée pour 1 ») ne doivent pas dépendre de la représentation binaire
des flottants (10 338,5 × 1,5 doit donner exactement 15 507,75).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

UN = Decimal(1)
CENTIME = Decimal("0.01")


def decimal(valeur: int | float | str | Decimal) -> Decimal:
    """Convertit un nombre lu dans un fichier (TOML, JSON) sans artefact binaire."""
    if isinstance(valeur, Decimal):
        return valeur
    return Decimal(str(valeur))


def arrondi_euro(montant: Decimal) -> Decimal:
    """Arrondi à l'euro le plus proche, 0,50 compté pour 1 (art. L861-1 CSS)."""
    return montant.quantize(UN, rounding=ROUND_HALF_UP)


def arrondi_centime(montant: Decimal) -> Decimal:
    """Arrondi au centime le plus proche, 0,005 compté pour 0,01."""
    return montant.quantize(CENTIME, rounding=ROUND_HALF_UP)


def majoration_rang(
    rang: int, deuxieme: Decimal, troisieme_quatrieme: Decimal, cinquieme_et_plus: Decimal
) -> Decimal:
    """Majoration du plafond apportée par la personne de rang ``rang`` (1 = le demandeur)."""
    if rang < 1:
        raise ValueError(f"rang invalide : {rang}")
    if rang == 1:
        return Decimal(0)
    if rang == 2:
        return deuxieme
    if rang <= 4:
        return troisieme_quatrieme
    return cinquieme_et_plus


def age_au(jour: date, naissance: date) -> int:
    """Âge en années révolues au jour donné."""
    return jour.year - naissance.year - ((jour.month, jour.day) < (naissance.month, naissance.day))


def ajouter_mois(jour: date, mois: int) -> date:
    """Premier jour du mois situé ``mois`` mois après (ou avant, si négatif) celui de ``jour``."""
    index = jour.year * 12 + (jour.month - 1) + mois
    return date(index // 12, index % 12 + 1, 1)


def fin_de_mois(jour: date) -> date:
    """Dernier jour du mois de ``jour``."""
    suivant = ajouter_mois(jour, 1)
    return date.fromordinal(suivant.toordinal() - 1)
