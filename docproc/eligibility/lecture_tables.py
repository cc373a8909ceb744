"""Lecture stricte d'un fichier de barèmes : la table TOML, ses clés admises, les séries datées,
les erreurs qui nomment le fichier et la clé.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from importlib import resources
from pathlib import Path
from typing import Any

from docproc.strict_toml import Table, parse, read_file

from .modele_baremes import BaremeError


def erreur_de(fichier: str) -> Callable[[str, str], BaremeError]:
    def erreur(chemin: str, probleme: str) -> BaremeError:
        return BaremeError(
            f"Barème {fichier}, {chemin} : {probleme}."
            if chemin
            else f"Barème {fichier} : {probleme}."
        )

    return erreur


def lire_table(repertoire: Path | None, nom: str) -> Table:
    erreur = erreur_de(nom)
    if repertoire is not None:
        return Table(read_file(repertoire / nom, erreur), erreur)
    try:
        texte = resources.files("docproc.eligibility.baremes").joinpath(nom).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise erreur("", f"fichier illisible ({exc})") from exc
    return Table(parse(texte, erreur), erreur)


def cles_admises(t: Table, modele: type, *en_plus: str, sauf: tuple[str, ...] = ()) -> Table:
    """Les clés admises d'une table : les champs de son type (moins ``sauf``), plus ``en_plus``."""
    return t.only({f.name for f in fields(modele)} - set(sauf) | set(en_plus))


def serie_datee(parent: Table, cle: str, elements: Sequence[Any]) -> tuple[Any, ...]:
    dates = [e.debut for e in elements]
    if dates != sorted(dates) or len(set(dates)) != len(dates):
        raise parent.error("dates de début non croissantes ou en double", cle)
    return tuple(elements)
