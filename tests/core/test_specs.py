"""Every spec loads; a broken spec fails at load time with its file and field named."""

from __future__ import annotations

from pathlib import Path

import pytest

from docproc.extractors.spec import SpecError, all_specs, load_spec


def test_all_specs_load() -> None:
    kinds = {s.kind for s in all_specs()}
    assert {"avis_impot_revenu", "asdir", "declaration_revenus"} <= kinds
    avis = next(s for s in all_specs() if s.kind == "avis_impot_revenu")
    assert {f.name for f in avis.fields if f.required} >= {"revenu_fiscal_reference", "nombre_parts", "declarants"}


@pytest.mark.parametrize(("body", "message"), [
    ('kind = "x"\nname = "x"\n[page1]\nall = ["A"]\n[[fields]]\nname = "f"\ntype = "nope"\nlabels = ["A"]\n', "type inconnu"),
    ('kind = "x"\nname = "x"\n[page1]\nall = ["(unclosed"]\n', "expression invalide"),
    ('kind = "x"\nname = "x"\ncolour = 1\n[page1]\nall = ["A"]\n', "clés inconnues"),
    ('kind = "x"\nname = "x"\n[page1]\nall = ["A"]\n[[fields]]\nname = "f"\ntype = "euros"\n', "labels"),
    ('kind = "x"\nname = "x"\n[page1]\nall = ["A"]\n[keys]\nannee = "\\\\d{4}"\n', "value"),
])
def test_bad_spec_is_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(SpecError, match=message) as info:
        load_spec(path)
    assert "broken.toml" in str(info.value)
