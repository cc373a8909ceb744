"""A hostile file of the corpus, and the codes of the checks expected to refuse one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
RESOURCES = "fichier.ressources"
ACTIVE = "pdf.contenu_actif"
MALFORMED = "file.malformed"
POLYGLOT = "file.polyglot"
FOREIGN = "pdf.contenu_etranger"
TRAILING = "pdf.donnees_apres_fin"
IMAGE_TOO_LARGE = "image.too_large"
IMAGE_UNREADABLE = "image.unreadable"
IMAGE_SCRIPT = "image.segment_suspect"
TOO_MANY_FRAMES = "image.too_many_frames"
TOO_MANY_PAGES = "pdf.too_many_pages"
ENCRYPTED = "pdf.encrypted"
WRONG_TYPE = "fichier.type"
EMPTY = "fichier.vide"
TOO_BIG = "fichier.taille"


@dataclass(frozen=True)
class HostileFile:
    name: str
    data: bytes
    expected: str | None  # code of the refusing check; None: the file is read
    family: str = ""

    def __iter__(self) -> Iterator[object]:  # (name, data, expected) unpacking
        return iter((self.name, self.data, self.expected))
