"""The message zone of a C40 2D-Doc: DI + value blocks (spec §3.4.1).

- A fixed-length DI is followed at once by the next DI, with no separator.
- A variable-length value ends with GS, or with RS when it was truncated, or when it
  reaches its maximum length, or at the end of the zone.
- Unknown DIs are read as variable-length and kept raw; they are never fatal.

Splitting on GS alone would be wrong: fixed fields chain without separators
(e.g. ``4A31042022 47…`` in real avis).
"""

from __future__ import annotations

from dataclasses import dataclass

from docproc.errors import Reason

from .c40 import GS, RS, US
from .identifiers import DI_PATTERN, lookup
from .payload_errors import TwoDDocError

_STOP = (GS, RS, US)


@dataclass(frozen=True)
class Message:
    fields: dict[str, str]
    truncated: frozenset[str]
    duplicates: frozenset[str]


def _read_variable(zone: str, pos: int, max_len: int | None) -> tuple[str, int, bool]:
    """Read a variable value from ``pos``: (value, next position, truncated)."""
    end = pos
    limit = len(zone) if max_len is None else min(len(zone), pos + max_len)
    while end < limit and zone[end] not in _STOP:
        end += 1
    value = zone[pos:end]
    if end < len(zone) and zone[end] == RS:
        return value, end + 1, True
    if end < len(zone) and zone[end] == GS:
        return value, end + 1, False
    return value, end, False


def parse_message(zone: str, *, strict_lengths: bool = True) -> Message:
    """Parse the message zone (between the header and US) into DI -> raw value.

    With ``strict_lengths`` a variable value also ends at its maximum length, as the
    specification says; without it, only at a separator (for encoders that overrun).
    """
    fields: dict[str, str] = {}
    truncated: set[str] = set()
    duplicates: set[str] = set()
    pos = 0
    while pos < len(zone):
        if zone[pos] == GS:  # stray separator, e.g. after a fixed field: tolerated
            pos += 1
            continue
        di = zone[pos : pos + 2]
        if len(di) < 2 or not DI_PATTERN.fullmatch(di):
            raise TwoDDocError(
                Reason.twoddoc_message_invalide, f"identifiant de donnée à la position {pos}"
            )
        pos += 2
        spec = lookup(di)
        is_truncated = False
        if spec is not None and spec.fixed:
            assert spec.max_len is not None
            candidate = zone[pos : pos + spec.max_len]
            if len(candidate) == spec.max_len and not any(c in candidate for c in _STOP):
                value, pos = candidate, pos + spec.max_len
            else:
                # A fixed field shorter than its length: non-conforming encoder. Read it
                # up to the next separator so the rest of the message stays aligned.
                value, pos, is_truncated = _read_variable(zone, pos, None)
        else:
            max_len = spec.max_len if (spec is not None and strict_lengths) else None
            value, pos, is_truncated = _read_variable(zone, pos, max_len)
        if di in fields:
            duplicates.add(di)
            continue
        fields[di] = value
        if is_truncated:
            truncated.add(di)
    return Message(fields, frozenset(truncated), frozenset(duplicates))


def split_payload(text: str, header_len: int) -> tuple[str, str | None, str | None]:
    """Split the normalised payload into (message zone, signature, annex).

    The signed bytes are ``text[:header_len] + message zone``. Signature and annex are None
    when absent. In C40 mode an annex follows the signature after a GS (spec §3.6); it is
    not covered by the signature.
    """
    body = text[header_len:]
    if US not in body:
        return body, None, None
    zone, rest = body.split(US, 1)
    if GS in rest:
        signature, annex = rest.split(GS, 1)
        return zone, signature, annex
    return zone, rest, None
