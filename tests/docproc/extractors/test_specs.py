"""Every spec loads; a broken spec fails at load time with its file and field named."""

from __future__ import annotations

from pathlib import Path

import pytest

from docproc.extractors.spec import all_specs
from docproc.extractors.spec_load import load_spec
from docproc.extractors.spec_model import SpecError


def test_all_specs_load() -> None:
    kinds = {s.kind for s in all_specs()}
    assert {"avis_impot_revenu", "asdir", "declaration_revenus"} <= kinds
    avis = next(s for s in all_specs() if s.kind == "avis_impot_revenu")
    assert {f.name for f in avis.fields if f.required} >= {
        "revenu_fiscal_reference",
        "nombre_parts",
        "declarants",
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'kind = "x"\nname = "x"\n[page1]\nall = ["A"]\n[[fields]]\nname = "f"\ntype = "nope"\nlabels = ["A"]\n',
            "type inconnu",
        ),
        ('kind = "x"\nname = "x"\n[page1]\nall = ["(unclosed"]\n', "expression invalide"),
        ('kind = "x"\nname = "x"\ncolour = 1\n[page1]\nall = ["A"]\n', "clés inconnues"),
        (
            'kind = "x"\nname = "x"\n[page1]\nall = ["A"]\n[[fields]]\nname = "f"\ntype = "euros"\n',
            "labels",
        ),
        ('kind = "x"\nname = "x"\n[page1]\nall = ["A"]\n[keys]\nannee = "\\\\d{4}"\n', "value"),
    ],
)
def test_bad_spec_is_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(SpecError, match=message) as info:
        load_spec(path)
    assert "broken.toml" in str(info.value)


_KIND = 'kind = "x"\nname = "x"\nlabel = "le document x"\n'
_PAGE1 = '[page1]\nall = ["A"]\n'
_FLAG = '[[fields]]\nname = "ok"\nflag = "OK"\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('kind = "x"\nname = "x"\n' + _PAGE1, r"broken\.toml\.label: chaîne non vide"),
        ('kind = "x"\nname = "x"\nlabel = " "\n' + _PAGE1, r"broken\.toml\.label"),
        (
            _KIND + 'checks = ["kind_accepted", "controle_invente"]\n' + _PAGE1,
            r"broken\.toml\.checks\[1\]: contrôle inconnu 'controle_invente'",
        ),
        (_KIND + "checks = []\n" + _PAGE1, r"broken\.toml\.checks: liste non vide"),
        (
            _KIND + 'checks = ["kind_accepted", "kind_accepted"]\n' + _PAGE1,
            r"broken\.toml\.checks: .*deux fois",
        ),
        (
            _KIND + _PAGE1 + '[[fields]]\nname = "f"\nparser = "bulletins"\n',
            r"broken\.toml\.fields\[0\] \(f\)\.parser: parser inconnu 'bulletins'",
        ),
        (
            _KIND
            + _PAGE1
            + '[[fields]]\nname = "f"\ntype = "year"\npattern = "(?P<value>X)"\nlabel = 3\n',
            r"broken\.toml\.fields\[0\] \(f\)\.label",
        ),
        (
            _KIND
            + 'accept = {field = "absent", equals = true, refused = "Non."}\n'
            + _PAGE1
            + _FLAG,
            r"broken\.toml\.accept\.field: 'absent' n'est pas un champ",
        ),
        (
            _KIND + 'accept = {field = "ok", refused = "Non."}\n' + _PAGE1 + _FLAG,
            r"broken\.toml\.accept: 'field' demande",
        ),
        (
            _KIND + 'accept = {field = "ok", equals = true}\n' + _PAGE1 + _FLAG,
            r"broken\.toml\.accept: .*'refused'",
        ),
        (
            _KIND
            + 'accept = {field = "ok", equals = true, not_equals = false, refused = "Non."}\n'
            + _PAGE1
            + _FLAG,
            r"broken\.toml\.accept: 'field' demande un de",
        ),
        (
            _KIND + "accept = {never = true}\n" + _PAGE1,
            r"broken\.toml\.accept: 'never = true' s'emploie seul",
        ),
        (
            _KIND + 'accept = {never = true, refused = "Non.", field = "ok"}\n' + _PAGE1 + _FLAG,
            r"broken\.toml\.accept",
        ),
        (
            _KIND + 'accept = {refused = "Non."}\n' + _PAGE1,
            r"broken\.toml\.accept: 'field' manquant",
        ),
        (
            _KIND + 'accept = {accepted = ""}\n' + _PAGE1,
            r"broken\.toml\.accept\.accepted: message non vide",
        ),
        (_KIND + 'accept = {si = "ok"}\n' + _PAGE1, r"broken\.toml\.accept: clés inconnues"),
    ],
)
def test_bad_kind_keys_are_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(SpecError, match=message):
        load_spec(path)


def test_every_kind_says_how_it_is_named_checked_and_accepted() -> None:
    from docproc.checks.documents import CHECKS
    from docproc.extractors.fields import PARSERS

    for spec in all_specs():
        assert spec.label and spec.checks[0] == "kind_accepted" and set(spec.checks) <= set(CHECKS)
        assert {f.parser for f in spec.fields if f.parser} <= set(PARSERS)
        unnamed = [
            f.name
            for f in spec.fields
            if f.required and spec.field_label(f.name) == f.name and f.convert is None
        ]
        assert unnamed == [], spec.kind  # every required field has its name for the messages


def test_accept_rules() -> None:
    from docproc.extractors.spec import spec_for

    asdir, rsa, declaration = (
        spec_for("asdir"),
        spec_for("attestation_rsa"),
        spec_for("declaration_revenus"),
    )
    assert asdir and rsa and declaration and spec_for("inconnu") is None
    assert asdir.accept.decide({"valant_avis_impot": True})
    assert not asdir.accept.decide({"valant_avis_impot": False}) and not asdir.accept.decide({})
    assert not rsa.accept.decide({"ressources_inferieures_rsa": False})
    assert rsa.accept.decide({"ressources_inferieures_rsa": True}) and rsa.accept.decide({})
    assert not declaration.accept.decide({})


def test_extra_spec_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from docproc.extractors.spec import kinds, paged_kinds, reload_specs, spec_for

    extra = tmp_path / "specs"
    extra.mkdir()
    (extra / "x.toml").write_text(
        _KIND + _PAGE1 + '[keys]\ncounter = "(?P<n>\\\\d)/(?P<of>\\\\d)"\n', encoding="utf-8"
    )
    monkeypatch.setenv("DOCPROC_SPEC_DIRS", str(extra))
    reload_specs()
    try:
        assert "x" in kinds() and "x" in paged_kinds()
        spec = spec_for("x")
        assert spec is not None and spec.label == "le document x"
        (extra / "y.toml").write_text(_KIND + _PAGE1, encoding="utf-8")
        reload_specs()
        with pytest.raises(SpecError, match=r"y\.toml: le type 'x' est déjà défini"):
            all_specs()
        monkeypatch.setenv("DOCPROC_SPEC_DIRS", str(tmp_path / "absent"))
        reload_specs()
        with pytest.raises(SpecError, match="DOCPROC_SPEC_DIRS : le dossier .* n'existe pas"):
            all_specs()
    finally:
        monkeypatch.delenv("DOCPROC_SPEC_DIRS")
        reload_specs()
    assert "x" not in kinds() and "x" not in paged_kinds()
