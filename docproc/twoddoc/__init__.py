"""2D-Doc (ANTS) on French tax notices: read, parse, verify offline, cross-check, build.

Public API (other packages call exactly these):

- :func:`parse_and_verify` — payload text -> :class:`TwoDDoc` (verdict included)
- :func:`find_in_pdf`, :func:`find_in_image` — locate and decode the DataMatrix
- :func:`find_on_pdf_page`, :func:`find_on_scan` — the cheap per-page search run as pages are read
  (:func:`find_on_pdf_page_at` also says where the code is; :func:`locate_in_image` finds a
  code already read on a page image)
- :func:`contract_fields`, :func:`cross_check` — contract fields and printed-vs-signed check
- :func:`build_payload`, :func:`render_datamatrix` — signed codes for the sample generator
- :class:`TrustStore`, :func:`refresh_trust_cache` — trust data (offline / `trust refresh`)
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .crosscheck import cross_check
    from .decode_image import find_in_image, find_on_scan, locate_in_image
    from .decode_pdf import find_in_pdf, find_on_pdf_page, find_on_pdf_page_at
    from .encode import build_payload, render_datamatrix
    from .fields_from_code import contract_fields
    from .model import TwoDDoc
    from .payload_errors import TwoDDocError
    from .trust import TrustStore
    from .verify import parse_and_verify

#: Public name -> the submodule that holds it, imported on first use (PEP 562): reading a text
#: PDF needs neither the generator's drawing (numpy, PIL) nor, without a code, the cryptography.
_HOMES = {
    "cross_check": "crosscheck",
    "find_in_image": "decode_image",
    "find_in_pdf": "decode_pdf",
    "find_on_pdf_page": "decode_pdf",
    "find_on_scan": "decode_image",
    "find_on_pdf_page_at": "decode_pdf",
    "locate_in_image": "decode_image",
    "build_payload": "encode",
    "render_datamatrix": "encode",
    "TwoDDocError": "payload_errors",
    "contract_fields": "fields_from_code",
    "TwoDDoc": "model",
    "TrustStore": "trust",
    "parse_and_verify": "verify",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def refresh_trust_cache(cache_dir: Path, **kwargs: Any) -> int:
    """``docproc trust refresh`` (network): see :func:`docproc.twoddoc.refresh.refresh_trust_cache`.

    Imported on call: processing never needs the HTTP stack, and the CLI starts faster without it.
    """
    from .refresh import refresh_trust_cache as refresh

    return refresh(cache_dir, **kwargs)


__all__ = [
    "TrustStore",
    "TwoDDoc",
    "TwoDDocError",
    "build_payload",
    "contract_fields",
    "cross_check",
    "find_in_image",
    "find_in_pdf",
    "find_on_pdf_page",
    "find_on_pdf_page_at",
    "find_on_scan",
    "locate_in_image",
    "parse_and_verify",
    "refresh_trust_cache",
    "render_datamatrix",
]
