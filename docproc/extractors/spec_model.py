"""What a loaded document spec is: the typed spec of a kind and the vocabularies its keys take.

Built by :mod:`docproc.extractors.spec_load` from a spec file, looked up through the registry
:mod:`docproc.extractors.spec`. This module reads no file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The built-in specs; more folders come from the ``DOCPROC_SPEC_DIRS`` setting.
SPEC_DIR = Path(__file__).resolve().parent.parent / "specs"
PAGES = frozenset({"first", "continuation", "any"})
ROLES = frozenset({"kind", "first", "continuation"})
ZONES = frozenset({"page", "header"})
CHOOSE = frozenset({"earliest", "most"})
NATURES = frozenset({"bati", "non_bati"})


class SpecError(ValueError):
    pass


@dataclass(frozen=True)
class Choice:
    """One value of a ``choice`` field and the markers that select it."""

    value: str | bool | int
    any: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Convert:
    """A ``convert`` field: an amount of another field turned into euros (rates table)."""

    amount: str
    currency: str
    year: str


@dataclass(frozen=True)
class FieldSpec:
    name: str
    pages: str = "any"
    labels: tuple[re.Pattern[str], ...] = ()
    label_texts: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()  # ``pattern``: regexes with a 'value' group
    type: str | None = None
    parser: str | None = None
    flag: str | None = None
    choices: tuple[Choice, ...] = ()
    choose: str = "earliest"  # "earliest" match wins, or the value with the "most" matches
    convert: Convert | None = None
    sign: int = 1
    next_line: bool = False
    block: bool = False  # the value is the block of lines under the label (an address)
    below: bool = False  # nothing right of the label: the value is on the line under it
    agree_with: str | None = None  # another reading of the same value: a near miss drops both
    required: bool = False
    label: str | None = None  # the field's name in messages ("le revenu fiscal de référence")


@dataclass(frozen=True)
class ProprietairesSpec:
    """Owners: the line after ``start``, then one owner a line while ``item`` matches."""

    start: re.Pattern[str]
    item: re.Pattern[str]  # with a 'value' group: the name as printed


@dataclass(frozen=True)
class BiensSpec:
    """Properties: section headings give the nature; labelled lines give each property."""

    sections: tuple[tuple[re.Pattern[str], str], ...]  # (heading, "bati" | "non_bati")
    commune: re.Pattern[str]
    adresse: re.Pattern[str]
    revenu_cadastral: re.Pattern[str]
    stop: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class Markers:
    all: tuple[re.Pattern[str], ...] = ()
    any: tuple[re.Pattern[str], ...] = ()
    none: tuple[re.Pattern[str], ...] = ()

    def match(self, text: str) -> bool:
        if not self.all and not self.any:
            return False
        return (
            all(p.search(text) for p in self.all)
            and (not self.any or any(p.search(text) for p in self.any))
            and not any(p.search(text) for p in self.none)
        )


@dataclass(frozen=True)
class Signal:
    """One weak piece of evidence for a kind (and maybe a page role), found by a regex.

    ``role`` "kind" counts for the kind only; "first" and "continuation" also count for
    that page role. ``zone`` "header" looks only in the running-header band of the page.
    A negative weight is evidence against the kind.
    """

    name: str
    pattern: re.Pattern[str]
    weight: float
    role: str = "kind"
    zone: str = "page"


@dataclass(frozen=True)
class Classify:
    """How pages of a kind are recognised: many weighted signals, none required alone."""

    signals: tuple[Signal, ...] = ()
    min_score: float = 4.0  # least kind evidence for a page to be of this kind
    priority: int = 5  # lower wins a tie (ASDIR before avis)
    twoddoc_types: tuple[str, ...] = ()  # 2D-Doc document types printed on page 1


@dataclass(frozen=True)
class Accept:
    """When a document of the kind is accepted (check ``document.type``).

    ``rule`` is "always", "never", "equals" (accepted only when ``field`` has ``value``) or
    "not_equals" (refused only when ``field`` has ``value``; a field not read is accepted).
    """

    rule: str = "always"
    field: str | None = None
    value: str | bool | int | None = None
    accepted: str | None = None  # message when accepted; default "Le document est {label}."
    refused: str | None = None

    def decide(self, fields: dict[str, Any]) -> bool:
        if self.rule == "never":
            return False
        if self.rule == "always" or self.field is None:
            return True
        got = fields.get(self.field)
        same = type(got) is type(self.value) and got == self.value
        return same if self.rule == "equals" else not same


@dataclass(frozen=True)
class DocSpec:
    kind: str
    name: str
    page1: Markers
    continuation: Markers
    keys: dict[str, re.Pattern[str]]
    fields: tuple[FieldSpec, ...]
    declarants: dict[str, Any] = field(default_factory=dict)
    revenus: dict[str, Any] = field(default_factory=dict)
    proprietaires: ProprietairesSpec | None = None
    biens: BiensSpec | None = None
    classify: Classify = field(default_factory=Classify)
    label: str = ""  # the kind in messages: "l'avis d'impôt", "l'avis de taxe foncière"
    checks: tuple[str, ...] = ("kind_accepted",)  # names in docproc.checks.documents.CHECKS
    accept: Accept = field(default_factory=Accept)

    def field_label(self, name: str) -> str:
        """The field's name in messages, or its key when the spec gives none."""
        return next((f.label for f in self.fields if f.name == name and f.label), name)
