"""Limits and switches, each documented, read from the environment once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw and raw.strip().isdigit() else default


def _paths(name: str) -> tuple[Path, ...]:
    """Directories separated by ``os.pathsep`` (":" on Linux); empty parts are ignored."""
    raw = os.environ.get(name, "")
    return tuple(Path(part) for part in raw.split(os.pathsep) if part.strip())


@dataclass(frozen=True)
class Settings:
    #: Largest accepted upload, in bytes (2 Mo, the CSS form's limit).
    max_bytes: int = 2 * 1024 * 1024
    #: Most pages read from one PDF (a 4-page avis, with room for ASDIR and attachments).
    max_pages: int = 10
    #: Most pixels decoded from one image (a 12 Mpx phone photo passes; bombs do not).
    max_image_pixels: int = 40_000_000
    #: Most frames read from a multi-page TIFF.
    max_frames: int = 10
    #: Extra folders of document specs (``*.toml``), read after ``docproc/specs``: a new kind
    #: can live outside the package (``DOCPROC_SPEC_DIRS``, separated by ``os.pathsep``).
    spec_dirs: tuple[Path, ...] = ()


def get_settings() -> Settings:
    return Settings(
        max_bytes=_int("DOCPROC_MAX_BYTES", Settings.max_bytes),
        max_pages=_int("DOCPROC_MAX_PAGES", Settings.max_pages),
        max_image_pixels=_int("DOCPROC_MAX_IMAGE_PIXELS", Settings.max_image_pixels),
        max_frames=_int("DOCPROC_MAX_FRAMES", Settings.max_frames),
        spec_dirs=_paths("DOCPROC_SPEC_DIRS"),
    )
