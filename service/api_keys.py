"""API clients: their roles and keys, parsed from ``name:role:key`` lists (settings, files)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from docproc.settings import SettingsError

Role = Literal["pipeline", "agent", "qa"]
ROLES: tuple[Role, ...] = ("pipeline", "agent", "qa")


@dataclass(frozen=True)
class ApiKey:
    """One client: ``name`` owns the dossiers it creates; ``key`` is the bearer secret."""

    name: str
    role: Role
    key: str = field(repr=False)


def parse_api_keys(spec: str | list[Any], source: str) -> tuple[ApiKey, ...]:
    """``"name:role:key,name:role:key"`` (or a list of such strings / tables) to ApiKeys."""
    items: list[Any]
    if isinstance(spec, str):
        items = [p for chunk in spec.replace("\n", ",").split(",") if (p := chunk.strip())]
        items = [p for p in items if not p.startswith("#")]
    elif isinstance(spec, list):
        items = list(spec)
    else:
        raise SettingsError(f"{source} : valeur invalide, attendu une liste « nom:rôle:clé »")
    keys: list[ApiKey] = []
    for item in items:
        if isinstance(item, dict):
            name, role, key = (str(item.get(k, "")).strip() for k in ("name", "role", "key"))
        else:
            parts = str(item).split(":", 2)
            if len(parts) != 3:
                raise SettingsError(
                    f"{source} : entrée n° {len(keys) + 1} invalide (attendu nom:rôle:clé)"
                )
            name, role, key = (p.strip() for p in parts)
        if role not in ROLES:
            raise SettingsError(f"{source} : rôle inconnu pour « {name} » (pipeline, agent ou qa)")
        if not name or len(key) < 16:
            raise SettingsError(
                f"{source} : la clé de « {name} » doit faire au moins 16 caractères"
            )
        keys.append(ApiKey(name=name, role=role, key=key))
    names = [k.name for k in keys]
    if len(set(names)) != len(names) or len({k.key for k in keys}) != len(keys):
        raise SettingsError(f"{source} : noms ou clés en double")
    return tuple(keys)


def keys_from_file(path: Path, source: str) -> tuple[ApiKey, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"{source} illisible") from exc
    return parse_api_keys(text, source)
