"""A hostile file of the corpus, and the codes of the checks expected to refuse one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from docproc.errors import Reason

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
RESOURCES = Reason.resources.value
ACTIVE = Reason.active_content.value
MALFORMED = Reason.malformed.value
POLYGLOT = Reason.polyglot.value
FOREIGN = Reason.foreign_markup.value
TRAILING = Reason.trailing_data.value
IMAGE_TOO_LARGE = Reason.image_too_large.value
IMAGE_UNREADABLE = Reason.image_unreadable.value
IMAGE_SCRIPT = Reason.image_script.value
TOO_MANY_FRAMES = Reason.too_many_frames.value
TOO_MANY_PAGES = Reason.too_many_pages.value
ENCRYPTED = Reason.encrypted.value
WRONG_TYPE = Reason.unsupported_type.value
EMPTY = Reason.empty.value
TOO_BIG = Reason.too_large.value


@dataclass(frozen=True)
class HostileFile:
    name: str
    data: bytes
    expected: str | None  # code of the refusing check; None: the file is read
    family: str = ""

    def __iter__(self) -> Iterator[object]:  # (name, data, expected) unpacking
        return iter((self.name, self.data, self.expected))
