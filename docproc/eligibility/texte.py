"""Mise en forme française des montants, dates et âges pour l'explication lue par l'agent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .formules import arrondi_centime

MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _milliers(entier: int) -> str:
    return f"{entier:,}".replace(",", " ")


def euros(montant: Decimal, centimes: bool = False) -> str:
    """« 18 609 € », ou « 17 450,00 € » avec ``centimes`` (ou si le montant en a)."""
    montant = arrondi_centime(montant)
    if not centimes and montant == montant.to_integral_value():
        return f"{_milliers(int(montant))} €"
    signe = "-" if montant < 0 else ""
    entier = int(abs(montant))
    fraction = int((abs(montant) - entier) * 100)
    return f"{signe}{_milliers(entier)},{fraction:02d} €"


def date_fr(jour: date) -> str:
    """« 1er avril 2025 », « 10 juin 2025 »."""
    quantieme = "1er" if jour.day == 1 else str(jour.day)
    return f"{quantieme} {MOIS[jour.month - 1]} {jour.year}"


def pourcentage(taux: Decimal) -> str:
    """0.113 → « 11,3 % » ; 0.5 → « 50 % »."""
    valeur = (taux * 100).normalize()
    texte = format(valeur, "f").replace(".", ",")
    return f"{texte} %"


def ans(age: int) -> str:
    if age <= 0:
        return "moins d'un an"
    return "1 an" if age == 1 else f"{age} ans"


def nombre(valeur: Decimal) -> int | float:
    """Nombre JSON : entier s'il n'a pas de centimes, sinon flottant à deux décimales."""
    valeur = arrondi_centime(valeur)
    if valeur == valeur.to_integral_value():
        return int(valeur)
    return float(valeur)
