"""Load and validate the per-kind document specs (``docproc/specs/*.toml``).

A spec that names an unknown key, type or parser, or holds a regex that does not compile,
fails at load time with the file and the field named: a spec error is a CI failure, never a
wrong extraction at run time.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from docproc.extractors.values import TYPES

SPEC_DIR = Path(__file__).resolve().parent.parent / "specs"
PARSERS = frozenset({"declarants", "revenus"})
PAGES = frozenset({"first", "continuation", "any"})


class SpecError(ValueError):
    pass


@dataclass(frozen=True)
class FieldSpec:
    name: str
    pages: str = "any"
    labels: tuple[re.Pattern[str], ...] = ()
    label_texts: tuple[str, ...] = ()
    type: str | None = None
    parser: str | None = None
    flag: str | None = None
    sign: int = 1
    next_line: bool = False
    required: bool = False


@dataclass(frozen=True)
class Markers:
    all: tuple[re.Pattern[str], ...] = ()
    any: tuple[re.Pattern[str], ...] = ()
    none: tuple[re.Pattern[str], ...] = ()

    def match(self, text: str) -> bool:
        if not self.all and not self.any:
            return False
        return (all(p.search(text) for p in self.all)
                and (not self.any or any(p.search(text) for p in self.any))
                and not any(p.search(text) for p in self.none))


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


_TOP = {"kind", "name", "extends", "page1", "continuation", "keys", "fields", "declarants", "revenus"}
_FIELD = {"name", "pages", "labels", "type", "parser", "flag", "sign", "next_line", "required"}
_MARKERS = {"all", "any", "none"}


def _compile(where: str, pattern: str, need_value: bool = False) -> re.Pattern[str]:
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        raise SpecError(f"{where}: expression invalide {pattern!r} ({exc})") from exc
    if need_value and "value" not in rx.groupindex:
        raise SpecError(f"{where}: l'expression {pattern!r} doit avoir un groupe nommé 'value'")
    return rx


def _label_regex(label: str) -> str:
    """Labels are literal except for a few escapes; spaces match any run of spaces."""
    parts = re.split(r"(\\d(?:\{\d+\})?)", label)
    out = []
    for part in parts:
        if part.startswith("\\d"):
            out.append(part)
        else:
            out.append(r"\s*".join(re.escape(w) for w in part.split(" ")) if part else "")
    return "".join(out)


def _markers(where: str, raw: dict[str, Any]) -> Markers:
    unknown = set(raw) - _MARKERS
    if unknown:
        raise SpecError(f"{where}: clés inconnues {sorted(unknown)}")
    return Markers(**{k: tuple(_compile(f"{where}.{k}", p) for p in raw.get(k, ())) for k in _MARKERS})


def _field(where: str, raw: dict[str, Any]) -> FieldSpec:
    unknown = set(raw) - _FIELD
    if unknown:
        raise SpecError(f"{where}: clés inconnues {sorted(unknown)}")
    if "name" not in raw:
        raise SpecError(f"{where}: 'name' manquant")
    where = f"{where} ({raw['name']})"
    kinds = [k for k in ("type", "parser", "flag") if k in raw]
    if len(kinds) != 1:
        raise SpecError(f"{where}: il faut exactement un de type, parser ou flag")
    if "type" in raw and raw["type"] not in TYPES:
        raise SpecError(f"{where}: type inconnu {raw['type']!r}")
    if "parser" in raw and raw["parser"] not in PARSERS:
        raise SpecError(f"{where}: parser inconnu {raw['parser']!r}")
    if "type" in raw and not raw.get("labels"):
        raise SpecError(f"{where}: un champ typé a besoin de 'labels'")
    pages = raw.get("pages", "any")
    if pages not in PAGES:
        raise SpecError(f"{where}: pages doit être l'un de {sorted(PAGES)}")
    labels = tuple(raw.get("labels", ()))
    return FieldSpec(
        name=raw["name"], pages=pages, type=raw.get("type"), parser=raw.get("parser"),
        flag=raw.get("flag"), sign=int(raw.get("sign", 1)), next_line=bool(raw.get("next_line", False)),
        required=bool(raw.get("required", False)), label_texts=labels,
        labels=tuple(_compile(where, _label_regex(lab)) for lab in labels))


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in child.items():
        if key == "fields":
            merged["fields"] = list(base.get("fields", [])) + list(value)
        elif key != "extends":
            merged[key] = value
    return merged


def _raw(path: Path) -> dict[str, Any]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path.name}: TOML invalide ({exc})") from exc
    if "extends" in raw:
        raw = _merge(_raw(path.with_name(f"{raw['extends']}.toml")), raw)
    return raw


def load_spec(path: Path) -> DocSpec:
    raw = _raw(path)
    where = path.name
    unknown = set(raw) - _TOP
    if unknown:
        raise SpecError(f"{where}: clés inconnues {sorted(unknown)}")
    for key in ("kind", "name", "page1"):
        if key not in raw:
            raise SpecError(f"{where}: '{key}' manquant")
    keys = {k: _compile(f"{where}.keys.{k}", p, need_value=k != "counter") for k, p in raw.get("keys", {}).items()}
    if "counter" in keys and not {"n", "of"} <= set(keys["counter"].groupindex):
        raise SpecError(f"{where}.keys.counter: groupes 'n' et 'of' requis")
    fields = tuple(_field(f"{where}.fields[{i}]", f) for i, f in enumerate(raw.get("fields", [])))
    revenus = dict(raw.get("revenus", {}))
    if any(f.parser == "revenus" for f in fields) and not {"start", "columns", "rows"} <= set(revenus):
        raise SpecError(f"{where}.revenus: start, columns et rows requis")
    return DocSpec(kind=raw["kind"], name=raw["name"], page1=_markers(f"{where}.page1", raw["page1"]),
                   continuation=_markers(f"{where}.continuation", raw.get("continuation", {})),
                   keys=keys, fields=fields, declarants=dict(raw.get("declarants", {})), revenus=revenus)


@cache
def all_specs() -> tuple[DocSpec, ...]:
    """Every spec of the specs folder, most specific first (ASDIR before avis)."""
    specs = [load_spec(p) for p in sorted(SPEC_DIR.glob("*.toml"))]
    order = {"asdir": 0, "declaration_revenus": 1}
    return tuple(sorted(specs, key=lambda s: order.get(s.kind, 5)))
