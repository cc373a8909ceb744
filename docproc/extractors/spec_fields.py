"""A spec's ``[[fields]]``: each field's label, pattern, parser, choices, conversion and page,
checked and compiled into a :class:`~docproc.extractors.spec_model.FieldSpec`.
"""

from __future__ import annotations

from typing import Any

from docproc.extractors.parsers import PARSERS
from docproc.extractors.spec_checked import checked_table, compiled, is_text, label_regex, strings
from docproc.extractors.spec_model import CHOOSE, PAGES, Choice, Convert, FieldSpec, SpecError
from docproc.extractors.values import TYPES

_FIELD = {
    "name",
    "pages",
    "labels",
    "pattern",
    "type",
    "parser",
    "flag",
    "choice",
    "choose",
    "convert",
    "sign",
    "next_line",
    "block",
    "below",
    "required",
    "label",
    "agree_with",
}

_KINDS = ("type", "parser", "flag", "choice", "convert")

_CHOICE = {"value", "any"}

_CONVERT = {"amount", "currency", "year"}


def _parser_names() -> frozenset[str]:
    return frozenset(PARSERS)


def _choices(where: str, raw: Any) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or not raw:
        raise SpecError(f"{where}.choice: liste non vide de {{value, any}} attendue")
    out = []
    for i, item in enumerate(raw):
        at = f"{where}.choice[{i}]"
        if not isinstance(item, dict):
            raise SpecError(f"{at}: table {{value, any}} attendue")
        item = checked_table(at, item, _CHOICE)
        if "value" not in item or not isinstance(item["value"], str | bool | int):
            raise SpecError(f"{at}: 'value' (chaîne, booléen ou entier) manquant")
        out.append(
            Choice(
                item["value"],
                tuple(compiled(at, p) for p in strings(f"{at}.any", item.get("any"))),
            )
        )
    return tuple(out)


def _convert(where: str, raw: Any, earlier: set[str]) -> Convert:
    if not isinstance(raw, dict) or set(raw) != _CONVERT:
        raise SpecError(f"{where}.convert: exactement les clés {sorted(_CONVERT)} sont attendues")
    for key, name in raw.items():
        if name not in earlier:
            raise SpecError(f"{where}.convert.{key}: le champ {name!r} doit être défini avant")
    return Convert(raw["amount"], raw["currency"], raw["year"])


def field_spec(where: str, raw: dict[str, Any], earlier: set[str] | None = None) -> FieldSpec:
    raw = checked_table(where, raw, _FIELD)
    if "name" not in raw:
        raise SpecError(f"{where}: 'name' manquant")
    where = f"{where} ({raw['name']})"
    kinds = [k for k in _KINDS if k in raw]
    if len(kinds) != 1:
        raise SpecError(f"{where}: il faut exactement un de {', '.join(_KINDS)}")
    if "type" in raw and raw["type"] not in TYPES:
        raise SpecError(f"{where}: type inconnu {raw['type']!r}")
    if "parser" in raw and raw["parser"] not in _parser_names():
        raise SpecError(
            f"{where}.parser: parser inconnu {raw['parser']!r} "
            f"(connus : {', '.join(sorted(_parser_names()))})"
        )
    if "label" in raw and not is_text(raw["label"]):
        raise SpecError(
            f"{where}.label: chaîne non vide attendue (le nom du champ dans les messages)"
        )
    if "type" in raw and bool(raw.get("labels")) == ("pattern" in raw):
        raise SpecError(
            f"{where}: un champ typé a besoin de 'labels' ou de 'pattern' (un seul des deux)"
        )
    for key in ("labels", "pattern", "next_line", "sign", "block", "below"):
        if key in raw and "type" not in raw:
            raise SpecError(f"{where}: {key!r} ne s'emploie qu'avec 'type'")
    if "choose" in raw and ("choice" not in raw or raw["choose"] not in CHOOSE):
        raise SpecError(
            f"{where}: 'choose' s'emploie avec 'choice' et vaut l'un de {sorted(CHOOSE)}"
        )
    pages = raw.get("pages", "any")
    if pages not in PAGES:
        raise SpecError(f"{where}: pages doit être l'un de {sorted(PAGES)}")
    labels = tuple(raw.get("labels", ()))
    patterns = strings(f"{where}.pattern", raw["pattern"]) if "pattern" in raw else []
    return FieldSpec(
        name=raw["name"],
        pages=pages,
        type=raw.get("type"),
        parser=raw.get("parser"),
        flag=raw.get("flag"),
        sign=int(raw.get("sign", 1)),
        next_line=bool(raw.get("next_line", False)),
        block=bool(raw.get("block", False)),
        below=bool(raw.get("below", False)),
        agree_with=str(raw["agree_with"]) if "agree_with" in raw else None,
        required=bool(raw.get("required", False)),
        label_texts=labels,
        label=raw.get("label"),
        labels=tuple(compiled(where, label_regex(lab)) for lab in labels),
        patterns=tuple(compiled(where, p, need_value=True) for p in patterns),
        choices=_choices(where, raw["choice"]) if "choice" in raw else (),
        choose=raw.get("choose", "earliest"),
        convert=_convert(where, raw["convert"], earlier or set()) if "convert" in raw else None,
    )
