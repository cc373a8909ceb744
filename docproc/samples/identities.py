"""Invented people and valid-format identifiers for synthetic documents (never real ones)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    civilite: str  # "M" or "MME"
    nom: str
    prenoms: str
    numero_fiscal: str

    @property
    def identite(self) -> str:
        return f"{self.nom} {self.prenoms}"


def numero_fiscal(rng: random.Random) -> str:
    """13 digits, first 0–3, mod-511 key on the last three (python-stdnum fr.nif)."""
    head = str(rng.randint(0, 3)) + "".join(str(rng.randint(0, 9)) for _ in range(9))
    return f"{head}{int(head) % 511:03d}"


def reference_avis(rng: random.Random, annee_avis: int, departement: str) -> str:
    """13 characters: YY DD X NNNNNN KK (année d'émission, département, lettre, numéro, clé)."""
    letter = rng.choice("ABCDEFGHJK")
    number = "".join(str(rng.randint(0, 9)) for _ in range(6))
    return f"{annee_avis % 100:02d}{departement}{letter}{number}{rng.randint(10, 99)}"


def group_numero_fiscal(n: str) -> str:
    return f"{n[0:2]} {n[2:4]} {n[4:7]} {n[7:10]} {n[10:13]}"


def group_reference(r: str) -> str:
    return f"{r[0:2]} {r[2:4]} {r[4:11]} {r[11:13]}"


def person(rng: random.Random, civilite: str, nom: str, prenoms: str) -> Person:
    return Person(civilite, nom, prenoms, numero_fiscal(rng))
