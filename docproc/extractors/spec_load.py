"""Read one spec file and validate it into a :class:`~docproc.extractors.spec_model.DocSpec`.

The file is read by the project's strict TOML reader (:mod:`docproc.strict_toml`, shared with
the eligibility barèmes); ``extends`` merges a base spec first. A spec that names an unknown
key, type, parser or check, or holds a regex that does not compile, fails here with the file and
the key named (:class:`SpecError`): a spec error is a CI failure, never a wrong extraction at run
time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docproc.checks.documents import CHECKS
from docproc.extractors.parsers import PARSERS
from docproc.extractors.spec_model import (
    CHOOSE,
    NATURES,
    PAGES,
    ROLES,
    SPEC_DIR,
    ZONES,
    Accept,
    BiensSpec,
    Choice,
    Classify,
    Convert,
    DocSpec,
    FieldSpec,
    Markers,
    ProprietairesSpec,
    Signal,
    SpecError,
)
from docproc.extractors.values import TYPES
from docproc.strict_toml import Table, read_file

_TOP = {
    "kind",
    "name",
    "extends",
    "page1",
    "continuation",
    "keys",
    "fields",
    "declarants",
    "revenus",
    "proprietaires",
    "biens",
    "classify",
    "label",
    "checks",
    "accept",
}
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
_ACCEPT = {"never", "field", "equals", "not_equals", "accepted", "refused"}
_CLASSIFY = {"signals", "min_score", "priority", "twoddoc_types"}
_SIGNAL = {"name", "pattern", "weight", "role", "zone"}
_KINDS = ("type", "parser", "flag", "choice", "convert")
_MARKERS = {"all", "any", "none"}
_CHOICE = {"value", "any"}
_CONVERT = {"amount", "currency", "year"}
_PROPRIETAIRES = {"start", "item"}
_BIENS = {"sections", "commune", "adresse", "revenu_cadastral", "stop"}


def _text(raw: Any) -> bool:
    return isinstance(raw, str) and bool(raw.strip())


def _parser_names() -> frozenset[str]:
    return frozenset(PARSERS)


def _check_names() -> frozenset[str]:
    return frozenset(CHECKS)


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
    parts = re.split(r"(\\[dw](?:\{\d+\})?)", label)
    out = []
    for part in parts:
        if part.startswith("\\d"):
            out.append(part)
        elif part.startswith("\\w"):
            out.append("[A-Z0-9]" + part[2:])
        else:
            out.append(r"\s*".join(re.escape(w) for w in part.split(" ")) if part else "")
    return "".join(out)


def _markers(where: str, raw: dict[str, Any]) -> Markers:
    raw = _table(where, raw, _MARKERS)
    return Markers(
        **{k: tuple(_compile(f"{where}.{k}", p) for p in raw.get(k, ())) for k in _MARKERS}
    )


def _strings(where: str, raw: Any) -> list[str]:
    """A string or a non-empty list of strings."""
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
        raise SpecError(f"{where}: une chaîne ou une liste non vide de chaînes est attendue")
    return items


def _choices(where: str, raw: Any) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or not raw:
        raise SpecError(f"{where}.choice: liste non vide de {{value, any}} attendue")
    out = []
    for i, item in enumerate(raw):
        at = f"{where}.choice[{i}]"
        if not isinstance(item, dict):
            raise SpecError(f"{at}: table {{value, any}} attendue")
        item = _table(at, item, _CHOICE)
        if "value" not in item or not isinstance(item["value"], str | bool | int):
            raise SpecError(f"{at}: 'value' (chaîne, booléen ou entier) manquant")
        out.append(
            Choice(
                item["value"],
                tuple(_compile(at, p) for p in _strings(f"{at}.any", item.get("any"))),
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


def _field(where: str, raw: dict[str, Any], earlier: set[str] | None = None) -> FieldSpec:
    raw = _table(where, raw, _FIELD)
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
    if "label" in raw and not _text(raw["label"]):
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
    patterns = _strings(f"{where}.pattern", raw["pattern"]) if "pattern" in raw else []
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
        labels=tuple(_compile(where, _label_regex(lab)) for lab in labels),
        patterns=tuple(_compile(where, p, need_value=True) for p in patterns),
        choices=_choices(where, raw["choice"]) if "choice" in raw else (),
        choose=raw.get("choose", "earliest"),
        convert=_convert(where, raw["convert"], earlier or set()) if "convert" in raw else None,
    )


def _error(where: str, problem: str) -> SpecError:
    """The spec's error at ``where`` (the file, then the key path: ``x.toml.fields[0] (f).label``)."""
    return SpecError(f"{where}: {problem}")


def _table(
    where: str, raw: Any, allowed: set[str], required: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    """``raw`` checked by the strict reader: a table, no key outside ``allowed``, ``required`` there."""
    return Table(raw, _error, where).only(allowed, required).data


def _proprietaires(where: str, raw: Any) -> ProprietairesSpec:
    raw = _table(where, raw, _PROPRIETAIRES, _PROPRIETAIRES)
    return ProprietairesSpec(
        _compile(f"{where}.start", raw["start"]),
        _compile(f"{where}.item", raw["item"], need_value=True),
    )


def _biens(where: str, raw: Any) -> BiensSpec:
    raw = _table(where, raw, _BIENS, _BIENS - {"stop"})
    sections = raw["sections"]
    if not isinstance(sections, dict) or not sections or not set(sections.values()) <= NATURES:
        raise SpecError(
            f"{where}.sections: table titre → nature ({', '.join(sorted(NATURES))}) attendue"
        )
    label = {
        k: _compile(f"{where}.{k}", _label_regex(str(raw[k])))
        for k in ("commune", "adresse", "revenu_cadastral")
    }
    return BiensSpec(
        sections=tuple((_compile(f"{where}.sections", k), v) for k, v in sections.items()),
        stop=tuple(_compile(f"{where}.stop", p) for p in _strings(f"{where}.stop", raw["stop"]))
        if "stop" in raw
        else (),
        **label,
    )


def _classify(where: str, raw: Any) -> Classify:
    raw = _table(where, raw, _CLASSIFY)
    signals = []
    for i, item in enumerate(raw.get("signals", [])):
        at = f"{where}.signals[{i}]"
        item = _table(at, item, _SIGNAL, {"name", "pattern", "weight"})
        role, zone = item.get("role", "kind"), item.get("zone", "page")
        if role not in ROLES:
            raise SpecError(f"{at}: role doit être l'un de {sorted(ROLES)}")
        if zone not in ZONES:
            raise SpecError(f"{at}: zone doit être l'une de {sorted(ZONES)}")
        if not isinstance(item["weight"], int | float) or isinstance(item["weight"], bool):
            raise SpecError(f"{at}: weight doit être un nombre")
        signals.append(
            Signal(
                str(item["name"]), _compile(at, item["pattern"]), float(item["weight"]), role, zone
            )
        )
    types = raw.get("twoddoc_types", [])
    if not isinstance(types, list) or not all(
        isinstance(t, str) and re.fullmatch(r"[0-9A-Z]{2}", t) for t in types
    ):
        raise SpecError(f"{where}.twoddoc_types: liste de types 2D-Doc à deux caractères attendue")
    min_score, priority = raw.get("min_score", 4.0), raw.get("priority", 5)
    if not isinstance(min_score, int | float) or not isinstance(priority, int):
        raise SpecError(f"{where}: min_score (nombre) et priority (entier) attendus")
    return Classify(tuple(signals), float(min_score), int(priority), tuple(types))


def _checks(where: str, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(_text(x) for x in raw):
        raise SpecError(f"{where}: liste non vide de noms de contrôles attendue")
    known = _check_names()
    for i, name in enumerate(raw):
        if name not in known:
            raise SpecError(
                f"{where}[{i}]: contrôle inconnu {name!r} (connus : {', '.join(sorted(known))})"
            )
    if len(set(raw)) != len(raw):
        raise SpecError(f"{where}: un contrôle est nommé deux fois")
    return tuple(raw)


def _accept(where: str, raw: Any, fields: set[str]) -> Accept:
    """``{never = true, refused}``, ``{field, equals | not_equals, refused}`` or only messages."""
    raw = _table(where, raw, _ACCEPT)
    for key in ("accepted", "refused"):
        if key in raw and not _text(raw[key]):
            raise SpecError(f"{where}.{key}: message non vide attendu")
    if "never" in raw:
        if raw["never"] is not True or set(raw) - {"never", "refused"} or "refused" not in raw:
            raise SpecError(f"{where}: 'never = true' s'emploie seul avec le message 'refused'")
        return Accept("never", refused=raw["refused"])
    rules = [k for k in ("equals", "not_equals") if k in raw]
    if "field" not in raw:
        if rules or "refused" in raw:
            raise SpecError(f"{where}: 'field' manquant (le champ qui décide)")
        return Accept(accepted=raw.get("accepted"))
    if raw["field"] not in fields:
        raise SpecError(f"{where}.field: {raw['field']!r} n'est pas un champ de la spécification")
    if len(rules) != 1 or "refused" not in raw:
        raise SpecError(
            f"{where}: 'field' demande un de 'equals' ou 'not_equals', et le message 'refused'"
        )
    value = raw[rules[0]]
    if not isinstance(value, str | bool | int):
        raise SpecError(f"{where}.{rules[0]}: chaîne, booléen ou entier attendu")
    return Accept(rules[0], raw["field"], value, raw.get("accepted"), raw["refused"])


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in child.items():
        if key == "fields":
            merged["fields"] = list(base.get("fields", [])) + list(value)
        elif key != "extends":
            merged[key] = value
    return merged


def _raw(path: Path) -> dict[str, Any]:
    raw = read_file(
        path,
        lambda key, problem: _error(f"{path.name}.{key}" if key else path.name, problem),
        cache=True,
    )
    if "extends" in raw:
        base = path.with_name(f"{raw['extends']}.toml")
        if not base.exists() and (SPEC_DIR / base.name).exists():
            base = SPEC_DIR / base.name  # a spec of another folder may extend a built-in one
        if not base.exists():
            raise SpecError(f"{path.name}.extends: spécification {raw['extends']!r} introuvable")
        raw = _merge(_raw(base), raw)
    return raw


def load_spec(path: Path) -> DocSpec:
    raw = _raw(path)
    where = path.name
    _table(where, raw, _TOP)
    for key in ("kind", "name"):
        if key not in raw:
            raise SpecError(f"{where}: '{key}' manquant")
    keys = {
        k: _compile(f"{where}.keys.{k}", p, need_value=k != "counter")
        for k, p in raw.get("keys", {}).items()
    }
    if "counter" in keys and not {"n", "of"} <= set(keys["counter"].groupindex):
        raise SpecError(f"{where}.keys.counter: groupes 'n' et 'of' requis")
    fields: list[FieldSpec] = []
    for i, f in enumerate(raw.get("fields", [])):
        fields.append(_field(f"{where}.fields[{i}]", f, {x.name for x in fields}))
    revenus = dict(raw.get("revenus", {}))
    if any(f.parser == "revenus" for f in fields) and not {"start", "columns", "rows"} <= set(
        revenus
    ):
        raise SpecError(f"{where}.revenus: start, columns et rows requis")
    for name in ("proprietaires", "biens"):
        if any(f.parser == name for f in fields) and name not in raw:
            raise SpecError(f"{where}: la table [{name}] est requise par le parser {name!r}")
    if "page1" not in raw and not raw.get("classify", {}).get("signals"):
        raise SpecError(f"{where}: 'page1' ou [classify] signals requis")
    page1 = _markers(f"{where}.page1", raw.get("page1", {}))
    continuation = _markers(f"{where}.continuation", raw.get("continuation", {}))
    proprietaires = (
        _proprietaires(f"{where}.proprietaires", raw["proprietaires"])
        if "proprietaires" in raw
        else None
    )
    biens = _biens(f"{where}.biens", raw["biens"]) if "biens" in raw else None
    classify = _classify(f"{where}.classify", raw.get("classify", {}))
    if not _text(raw.get("label")):
        raise SpecError(
            f"{where}.label: chaîne non vide attendue (le nom du document dans les messages, "
            "par exemple « l'avis d'impôt »)"
        )
    checks = _checks(f"{where}.checks", raw["checks"]) if "checks" in raw else ("kind_accepted",)
    accept = _accept(f"{where}.accept", raw.get("accept", {}), {f.name for f in fields})
    return DocSpec(
        kind=raw["kind"],
        name=raw["name"],
        page1=page1,
        continuation=continuation,
        keys=keys,
        fields=tuple(fields),
        declarants=dict(raw.get("declarants", {})),
        revenus=revenus,
        proprietaires=proprietaires,
        biens=biens,
        classify=classify,
        label=raw["label"].strip(),
        checks=checks,
        accept=accept,
    )
