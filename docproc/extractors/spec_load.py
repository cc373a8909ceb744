"""Read one spec file and validate it into a :class:`~docproc.extractors.spec_model.DocSpec`.

The file is read by the project's strict TOML reader (:mod:`docproc.strict_toml`, shared with
the eligibility barèmes); ``extends`` merges a base spec first. A spec that names an unknown
key, type, parser or check, or holds a regex that does not compile, fails here with the file and
the key named (:class:`SpecError`): a spec error is a CI failure, never a wrong extraction at run
time. The fields are read by :mod:`docproc.extractors.spec_fields`, the checked pieces by
:mod:`docproc.extractors.spec_checked`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docproc.checks.documents import CHECKS
from docproc.extractors.spec_checked import (
    checked_table,
    compiled,
    is_text,
    label_regex,
    spec_error,
    strings,
)
from docproc.extractors.spec_fields import field_spec
from docproc.extractors.spec_model import (
    NATURES,
    ROLES,
    SPEC_DIR,
    ZONES,
    Accept,
    BiensSpec,
    Classify,
    DocSpec,
    FieldSpec,
    Markers,
    ProprietairesSpec,
    Signal,
    SpecError,
)
from docproc.strict_toml import read_file

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
_ACCEPT = {"never", "field", "equals", "not_equals", "accepted", "refused"}
_CLASSIFY = {"signals", "min_score", "priority", "twoddoc_types"}
_SIGNAL = {"name", "pattern", "weight", "role", "zone"}
_MARKERS = {"all", "any", "none"}
_PROPRIETAIRES = {"start", "item"}
_BIENS = {"sections", "commune", "adresse", "revenu_cadastral", "stop"}


def _check_names() -> frozenset[str]:
    return frozenset(CHECKS)


def _markers(where: str, raw: dict[str, Any]) -> Markers:
    raw = checked_table(where, raw, _MARKERS)
    return Markers(
        **{k: tuple(compiled(f"{where}.{k}", p) for p in raw.get(k, ())) for k in _MARKERS}
    )


def _proprietaires(where: str, raw: Any) -> ProprietairesSpec:
    raw = checked_table(where, raw, _PROPRIETAIRES, _PROPRIETAIRES)
    return ProprietairesSpec(
        compiled(f"{where}.start", raw["start"]),
        compiled(f"{where}.item", raw["item"], need_value=True),
    )


def _biens(where: str, raw: Any) -> BiensSpec:
    raw = checked_table(where, raw, _BIENS, _BIENS - {"stop"})
    sections = raw["sections"]
    if not isinstance(sections, dict) or not sections or not set(sections.values()) <= NATURES:
        raise SpecError(
            f"{where}.sections: table titre → nature ({', '.join(sorted(NATURES))}) attendue"
        )
    label = {
        k: compiled(f"{where}.{k}", label_regex(str(raw[k])))
        for k in ("commune", "adresse", "revenu_cadastral")
    }
    return BiensSpec(
        sections=tuple((compiled(f"{where}.sections", k), v) for k, v in sections.items()),
        stop=tuple(compiled(f"{where}.stop", p) for p in strings(f"{where}.stop", raw["stop"]))
        if "stop" in raw
        else (),
        **label,
    )


def _classify(where: str, raw: Any) -> Classify:
    raw = checked_table(where, raw, _CLASSIFY)
    signals = []
    for i, item in enumerate(raw.get("signals", [])):
        at = f"{where}.signals[{i}]"
        item = checked_table(at, item, _SIGNAL, {"name", "pattern", "weight"})
        role, zone = item.get("role", "kind"), item.get("zone", "page")
        if role not in ROLES:
            raise SpecError(f"{at}: role doit être l'un de {sorted(ROLES)}")
        if zone not in ZONES:
            raise SpecError(f"{at}: zone doit être l'une de {sorted(ZONES)}")
        if not isinstance(item["weight"], int | float) or isinstance(item["weight"], bool):
            raise SpecError(f"{at}: weight doit être un nombre")
        signals.append(
            Signal(
                str(item["name"]), compiled(at, item["pattern"]), float(item["weight"]), role, zone
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
    if not isinstance(raw, list) or not raw or not all(is_text(x) for x in raw):
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
    raw = checked_table(where, raw, _ACCEPT)
    for key in ("accepted", "refused"):
        if key in raw and not is_text(raw[key]):
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
        lambda key, problem: spec_error(f"{path.name}.{key}" if key else path.name, problem),
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
    checked_table(where, raw, _TOP)
    for key in ("kind", "name"):
        if key not in raw:
            raise SpecError(f"{where}: '{key}' manquant")
    keys = {
        k: compiled(f"{where}.keys.{k}", p, need_value=k != "counter")
        for k, p in raw.get("keys", {}).items()
    }
    if "counter" in keys and not {"n", "of"} <= set(keys["counter"].groupindex):
        raise SpecError(f"{where}.keys.counter: groupes 'n' et 'of' requis")
    fields: list[FieldSpec] = []
    for i, f in enumerate(raw.get("fields", [])):
        fields.append(field_spec(f"{where}.fields[{i}]", f, {x.name for x in fields}))
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
    if not is_text(raw.get("label")):
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
