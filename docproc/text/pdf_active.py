"""Active content in a PDF (``pdf.contenu_actif``): JavaScript, Launch, embedded files, XFA,
RichMedia and the URI, SubmitForm, ImportData, GoToR and GoToE actions, in parsed objects or
written anywhere outside streams.
"""

from __future__ import annotations

import re
from typing import Any

import pikepdf

from docproc.errors import DocprocError, Reason, active_content_error
from docproc.intake import outside_streams

#: Dictionary keys whose mere presence is active content.
_ACTIVE_KEYS: dict[str, str] = {
    "/JS": "javascript",
    "/JavaScript": "javascript",
    "/EmbeddedFiles": "fichier_joint",
    "/EmbeddedFile": "fichier_joint",
    "/EF": "fichier_joint",
    "/XFA": "xfa",
    "/RichMediaContent": "richmedia",
    "/RichMediaSettings": "richmedia",
}

#: Action types (``/S``) that are active content.
_ACTIVE_ACTIONS: dict[str, str] = {
    "/JavaScript": "javascript",
    "/Launch": "launch",
    "/URI": "uri",
    "/SubmitForm": "submitform",
    "/ImportData": "importdata",
    "/GoToR": "gotor",
    "/GoToE": "gotoe",
    "/RichMediaExecute": "richmedia",
}

#: ``/Type`` or ``/Subtype`` values that are active content.
_ACTIVE_TYPES: dict[str, str] = {
    "/EmbeddedFile": "fichier_joint",
    "/FileAttachment": "fichier_joint",
    "/RichMedia": "richmedia",
}

#: Nesting of arrays and dictionaries inside one object beyond this is refused as malformed.
MAX_NESTING = 200

_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")

#: Names that are active content wherever they are written (the byte pass below).
_RAW_ACTIVE: dict[str, str] = {**_ACTIVE_KEYS, **_ACTIVE_ACTIONS, "/RichMedia": "richmedia"}


def _decode_name(raw: bytes) -> str:
    out = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
    return "/" + out.decode("latin-1")


def raw_active_name(data: bytes) -> str | None:
    """An active-content name written outside streams, ``#xx`` escapes decoded (qpdf drops a
    key whose value is a dangling reference; this pass still sees it)."""
    for m in _NAME.finditer(outside_streams(data)):
        kind = _RAW_ACTIVE.get(_decode_name(m.group(1)))
        if kind is not None:
            return kind
    return None


def check_object(obj: Any, where: str) -> None:
    """Look at one object and its direct children (indirect ones are visited on their own)."""
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_NESTING:
            raise DocprocError(Reason.malformed, detail="imbrication")
        if isinstance(item, pikepdf.Stream):
            item = item.stream_dict
        if isinstance(item, pikepdf.Dictionary):
            _check_dict(item, where)
            for key in item.keys():  # noqa: SIM118 (pikepdf dictionaries)
                value = item.get(key)
                if isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect:
                    stack.append((value, depth + 1))
        elif isinstance(item, pikepdf.Array):
            for value in item:
                if isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect:
                    stack.append((value, depth + 1))


def _check_dict(d: pikepdf.Dictionary, where: str) -> None:
    for key in d.keys():  # noqa: SIM118
        kind = _ACTIVE_KEYS.get(str(key))
        if kind:
            raise active_content_error(kind, where)
    action = d.get("/S")
    if isinstance(action, pikepdf.Name) and str(action) in _ACTIVE_ACTIONS:
        raise active_content_error(_ACTIVE_ACTIONS[str(action)], where)
    for key in ("/Type", "/Subtype"):
        value = d.get(key)
        if isinstance(value, pikepdf.Name) and str(value) in _ACTIVE_TYPES:
            raise active_content_error(_ACTIVE_TYPES[str(value)], where)
