"""The one strict TOML reader shared by the document specs and the eligibility barèmes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from docproc.strict_toml import Table, parse, read_file


class Refused(ValueError):
    pass


def _error(key: str, problem: str) -> Refused:
    return Refused(f"f.toml[{key}] {problem}")


def test_unknown_keys_are_refused_with_file_and_key() -> None:
    table = Table(parse('[bareme]\ndebut = 2025-04-01\nsourc = "x"\n', _error), _error)
    inner = table.table("bareme")
    with pytest.raises(Refused, match=r"f\.toml\[bareme\] clés inconnues \['sourc'\]"):
        inner.only({"debut", "source"})
    assert inner.date("debut") == date(2025, 4, 1)
    with pytest.raises(Refused, match=r"\[bareme\] clés inconnues \['sourc'\]"):
        inner.done()  # every key not read is unknown


def test_typed_values_name_the_key_at_fault() -> None:
    table = Table(parse('taux = 0.113\n[[rsa]]\nmontant = "646"\n', _error), _error)
    assert table.positive("taux", maximum=Decimal(1)) == Decimal("0.113")  # no binary artefact
    (rsa,) = table.tables("rsa")
    with pytest.raises(Refused, match=r"\[rsa\[0\]\.montant\] nombre attendu"):
        rsa.positive("montant")
    with pytest.raises(Refused, match=r"\[taux\] valeur supérieure à 0\.1"):
        table.positive("taux", maximum=Decimal("0.1"))


def test_unreadable_or_invalid_file_is_the_callers_error(tmp_path: Path) -> None:
    with pytest.raises(Refused, match=r"f\.toml\[\] fichier illisible"):
        read_file(tmp_path / "absent.toml", _error)
    (tmp_path / "bad.toml").write_text("[x\n", encoding="utf-8")
    with pytest.raises(Refused, match="TOML invalide"):
        read_file(tmp_path / "bad.toml", _error)


def test_specs_and_baremes_both_refuse_a_misspelt_key(tmp_path: Path) -> None:
    from docproc.eligibility.lecture_baremes import FICHIERS, charger
    from docproc.eligibility.modele_baremes import BaremeError
    from docproc.extractors.spec_load import load_spec
    from docproc.extractors.spec_model import SpecError

    spec = tmp_path / "broken.toml"
    spec.write_text(
        'kind = "x"\nname = "x"\nlabel = "le x"\n[classify]\n'
        '[[classify.signals]]\nname = "a"\npattern = "A"\nweight = 1\npoids = 2\n',
        encoding="utf-8",
    )
    with pytest.raises(
        SpecError, match=r"broken\.toml\.classify\.signals\[0\]: clés inconnues \['poids'\]"
    ):
        load_spec(spec)
    from importlib import resources

    source = resources.files("docproc.eligibility.baremes")
    for nom in FICHIERS:
        texte = source.joinpath(nom).read_text("utf-8")
        if nom == "regles.toml":
            texte = texte.replace("[arrondi]\n", "[arrondi]\nmodes = 1\n", 1)
        (tmp_path / nom).write_text(texte, "utf-8")
    with pytest.raises(
        BaremeError, match=r"Barème regles\.toml, arrondi : clés inconnues \['modes'\]"
    ):
        charger(tmp_path)


def test_parse_cache_is_keyed_by_content_and_never_trusted_blindly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    spec = tmp_path / "x.toml"
    spec.write_text('kind = "x"\n', encoding="utf-8")
    assert read_file(spec, _error, cache=True) == {"kind": "x"}
    (cached,) = (tmp_path / "__pycache__").iterdir()
    assert read_file(spec, _error, cache=True) == {"kind": "x"}  # from the cache
    spec.write_text('kind = "y"\n', encoding="utf-8")
    assert read_file(spec, _error, cache=True) == {"kind": "y"}  # content changed: parsed again
    cached.write_bytes(b"not marshal")
    assert read_file(spec, _error, cache=True) == {"kind": "y"}  # a broken cache is ignored
    spec.write_text("kind = \n", encoding="utf-8")
    with pytest.raises(Refused, match="TOML invalide"):
        read_file(spec, _error, cache=True)  # errors are never cached away


def test_nothing_is_written_without_byte_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    (tmp_path / "x.toml").write_text('kind = "x"\n', encoding="utf-8")
    assert read_file(tmp_path / "x.toml", _error, cache=True) == {"kind": "x"}
    assert not (tmp_path / "__pycache__").exists()
