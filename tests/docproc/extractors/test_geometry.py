"""Field reading by geometry: values under banners, address blocks, labels told apart by digits."""

from __future__ import annotations

from docproc.extractors.fields import Extraction, extract
from docproc.extractors.spec import all_specs
from docproc.extractors.view import PageView
from docproc.models import PageText, Segment


def _words(line: str, x: float, y: float, conf: float = 0.95) -> list[Segment]:
    out, pos = [], x
    for w in line.split(" "):
        width = 0.008 * len(w)
        out.append(Segment(w, pos, y, pos + width, y + 0.011, conf))
        pos += width + 0.006
    return out


def _view(rows: list[tuple[str, float, float]], source: str = "ocr") -> PageView:
    segs = [s for text, x, y in rows for s in _words(text, x, y)]
    return PageView(PageText(file="p.png", page=1, source=source, segments=segs))  # type: ignore[arg-type]


def _avis_fields(view: PageView) -> Extraction:
    spec = next(s for s in all_specs() if s.kind == "avis_impot_revenu")
    return extract(spec, view, [])


def test_amount_in_the_row_under_its_banner() -> None:
    view = _view(
        [
            ("Somme qu'il vous reste à payer", 0.62, 0.350),
            ("1 234 €", 0.85, 0.375),
            ("Cette somme sera prélevée", 0.40, 0.41),
        ]
    )
    assert _avis_fields(view).fields["montant_impot"] == 1234


def test_amount_at_the_right_edge_of_a_wide_banner() -> None:
    # Regression (a browser-printed ASDIR): the amount is right-aligned to its banner, 14 % of
    # the page past the end of the banner's words.
    view = _view([("Somme qu'il vous reste à payer", 0.54, 0.163), ("0 €", 0.91, 0.187)])
    assert _avis_fields(view).fields["montant_impot"] == 0


def test_non_imposable_under_the_banner_is_no_tax() -> None:
    # The words of a non-taxable avis under its banner: 0 €, as the contract says.
    view = _view([("Somme qu'il vous reste à payer", 0.54, 0.163), ("Non imposable", 0.80, 0.187)])
    assert _avis_fields(view).fields["montant_impot"] == 0


def test_a_sentence_under_the_banner_stays_no_tax() -> None:
    view = _view(
        [
            ("Somme qu'il vous reste à payer", 0.54, 0.163),
            ("Non imposable en 2025 ici", 0.60, 0.187),
        ]
    )
    assert "montant_impot" not in _avis_fields(view).fields


def test_an_amount_under_the_next_column_is_not_the_labels() -> None:
    view = _view(
        [
            ("Somme qu'il vous reste à payer", 0.20, 0.163),
            ("Vos contacts", 0.75, 0.163),
            ("312 €", 0.85, 0.187),
        ]
    )
    assert "montant_impot" not in _avis_fields(view).fields


def test_refund_under_its_banner_is_negative() -> None:
    view = _view([("Somme qui vous sera remboursée", 0.62, 0.350), ("312 €", 0.87, 0.375)])
    assert _avis_fields(view).fields["montant_impot"] == -312


def test_a_sentence_under_the_banner_is_not_an_amount() -> None:
    view = _view(
        [
            ("Somme qu'il vous reste à payer", 0.62, 0.350),
            ("2025 sera prélevée en septembre", 0.62, 0.375),
        ]
    )
    ex = _avis_fields(view)
    assert "montant_impot" not in ex.fields
    assert "montant_impot" in ex.missing


def test_address_block_of_several_lines_until_the_next_label() -> None:
    view = _view(
        [
            ("Adresse d'imposition au 01/01/2025 :", 0.03, 0.270),
            ("12 RUE DES LILAS", 0.03, 0.284),
            ("BATIMENT B", 0.03, 0.298),
            ("69003 LYON", 0.03, 0.312),
            ("Numéro FIP :", 0.03, 0.326),
        ]
    )
    assert _avis_fields(view).fields["adresse"] == "12 RUE DES LILAS BATIMENT B 69003 LYON"


def test_empty_address_block_is_missing_not_the_next_label() -> None:
    # The real avis (shared/real): nothing under the label, then "Numéro FIP :" far below.
    view = _view(
        [("Adresse d'imposition au 01/01/2025 :", 0.03, 0.270), ("Numéro FIP :", 0.03, 0.336)]
    )
    assert "adresse" not in _avis_fields(view).fields


def test_fuzzy_label_never_confuses_declarant_1_and_2() -> None:
    # Regression: on OCR, "DECLARANT 1 :" fuzzily matched "Numéro fiscal déclarant 2 :" and the
    # second déclarant's number was given to the first.
    view = _view([("Numéro fiscal déclarant 2 : 07 06 690 743 227", 0.03, 0.2)])
    spec = next(s for s in all_specs() if s.kind == "avis_impot_revenu")
    nf1 = next(f for f in spec.fields if f.name == "_nf1")
    hits = [
        h
        for p, plain in zip(nf1.labels, nf1.label_texts, strict=True)
        for h in view.find(p, plain, True)
    ]
    assert all("2" not in view.folded[h.line][h.start : h.end] for h in hits)


def test_zeroed_reference_is_masked_not_read() -> None:
    view = _view([("Référence de l'avis : 00 00 0000000 00", 0.03, 0.257)])
    ex = _avis_fields(view)
    assert "reference_avis" not in ex.fields
    assert "masquée" in ex.missing["reference_avis"]


def test_address_read_differently_in_its_two_places_is_not_given() -> None:
    # Regression: a 72-dpi capture read "ESCALIER 8" in one block and "ESCALIER B" in the other.
    view = _view(
        [
            ("M DUPONT MARC", 0.55, 0.150),
            ("ESCALIER B", 0.55, 0.164),
            ("69003 LYON", 0.55, 0.178),
            ("Adresse d'imposition au 01/01/2025 :", 0.03, 0.270),
            ("ESCALIER 8", 0.03, 0.284),
            ("69003 LYON", 0.03, 0.298),
            ("Numéro FIP :", 0.03, 0.312),
        ]
    )
    ex = _avis_fields(view)
    assert "adresse" not in ex.fields
    assert ex.fields["declarants"][0]["identite"] == "DUPONT MARC"


def test_address_read_the_same_in_both_places_is_kept() -> None:
    view = _view(
        [
            ("M DUPONT MARC", 0.55, 0.150),
            ("ESCALIER B", 0.55, 0.164),
            ("69003 LYON", 0.55, 0.178),
            ("Adresse d'imposition au 01/01/2025 :", 0.03, 0.270),
            ("ESCALIER B", 0.03, 0.284),
            ("69003 LYON", 0.03, 0.298),
            ("Numéro FIP :", 0.03, 0.312),
        ]
    )
    assert _avis_fields(view).fields["adresse"] == "ESCALIER B 69003 LYON"


def _income_table(
    header: list[tuple[str, float, float]], row: str = "Salaires, traitements", source: str = "ocr"
) -> Extraction:
    from docproc.extractors import revenus

    view = _view(
        [
            ("Détail des revenus", 0.05, 0.17),
            *header,
            (row, 0.05, 0.22),
            ("21 300", 0.53, 0.22),
            ("Revenu brut global 19 170", 0.05, 0.26),
        ],
        source,
    )
    spec = next(s for s in all_specs() if s.kind == "avis_impot_revenu")
    ex = Extraction()
    revenus.extract(spec, [(view, 2)], ex)
    return ex


COLUMNS = [("Déclarant 1", 0.50, 0.20), ("Déclarant 2", 0.62, 0.20), ("Foyer", 0.85, 0.20)]


def test_salaires_row_of_the_2025_wording() -> None:
    for source in ("text", "ocr"):
        ex = _income_table(COLUMNS, "Salaires", source)
        assert ex.fields["revenus"] == [
            {"categorie": "salaires", "declarant": 1, "montant": 21300}
        ], source


def test_a_longer_label_is_never_filed_under_a_shorter_one() -> None:
    # "Salaires, pensions, rentes nets" is no "Salaires" row: the table is left out.
    for source in ("text", "ocr"):
        ex = _income_table(COLUMNS, "Salaires, pensions, rentes nets", source)
        assert "revenus" not in ex.fields and "revenus" in ex.missing, source


def test_income_table_with_an_amount_under_no_column_is_not_given() -> None:
    # Regression: a 72-dpi capture lost the "1" of "Déclarant 1"; the salary under it fitted
    # no column and the table came out as an empty list, a wrong value.
    ex = _income_table([("Pers. à charge", 0.70, 0.20), ("Foyer", 0.85, 0.20)])
    assert "revenus" not in ex.fields
    assert "revenus" in ex.missing


def test_declarant_header_without_its_number_takes_it_from_its_neighbour() -> None:
    ex = _income_table(
        [("Déclarant", 0.50, 0.20), ("Déclarant 2", 0.62, 0.20), ("Foyer", 0.85, 0.20)]
    )
    assert ex.fields["revenus"] == [{"categorie": "salaires", "declarant": 1, "montant": 21300}]


def test_income_table_found_by_its_column_headers_when_its_heading_is_lost() -> None:
    from docproc.extractors import revenus

    view = _view(
        [
            ("Nombre de personnes à charge : 0", 0.05, 0.14),
            ("Déclarant 1", 0.50, 0.20),
            ("Déclarant 2", 0.62, 0.20),
            ("Foyer", 0.85, 0.20),
            ("Salaires, traitements", 0.05, 0.22),
            ("21 300", 0.53, 0.22),
            ("Revenu brut global 19 170", 0.05, 0.26),
        ]
    )
    spec = next(s for s in all_specs() if s.kind == "avis_impot_revenu")
    ex = Extraction()
    revenus.extract(spec, [(view, 2)], ex)
    assert ex.fields["revenus"] == [{"categorie": "salaires", "declarant": 1, "montant": 21300}]


def test_amount_in_a_padded_row_under_a_small_banner_label() -> None:
    # Regression (variation seed 7): a 7-pt banner label, the bold amount 3.7 label heights
    # below it, past the reach measured on the label alone.
    segs = [
        Segment("Montant", 0.80, 0.488, 0.85, 0.4957),
        Segment("remboursé", 0.855, 0.488, 0.925, 0.4957),
        Segment("2", 0.888, 0.515, 0.897, 0.527),
        Segment("007", 0.900, 0.515, 0.925, 0.527),
    ]
    view = PageView(PageText(file="p.pdf", page=1, source="text", segments=segs))
    assert _avis_fields(view).fields["montant_impot"] == -2007


def test_a_tall_amount_far_under_a_small_label_is_reached() -> None:
    # Regression (a browser screenshot in 7.5-pt type, OCR): the 15-pt amount sits 5.3 label
    # heights under its banner label; the reach counts in the amount's own height.
    segs = [
        Segment("Somme", 0.543, 0.179, 0.594, 0.188),
        Segment("qu'il", 0.600, 0.179, 0.629, 0.188),
        Segment("vous", 0.634, 0.179, 0.667, 0.188),
        Segment("reste", 0.673, 0.179, 0.708, 0.188),
        Segment("à", 0.714, 0.179, 0.721, 0.188),
        Segment("payer", 0.726, 0.179, 0.766, 0.188),
        Segment("1", 0.833, 0.221, 0.847, 0.236),
        Segment("234", 0.859, 0.221, 0.909, 0.236),
        Segment("€", 0.918, 0.221, 0.935, 0.236),
    ]
    view = PageView(PageText(file="p.png", page=1, source="ocr", segments=segs))
    assert _avis_fields(view).fields["montant_impot"] == 1234


def _asdir_valant(title: str) -> object:
    spec = next(s for s in all_specs() if s.kind == "asdir")
    view = _view([("AVIS DE SITUATION DÉCLARATIVE ÉTABLI EN 2025", 0.2, 0.05), (title, 0.2, 0.07)])
    return extract(spec, view, []).fields["valant_avis_impot"]


def test_valant_avis_impot_only_when_not_denied() -> None:
    assert _asdir_valant("VALANT AVIS D'IMPÔT") is True
    # Regression guard: the wording denied must not accept an ASDIR as an avis.
    assert _asdir_valant("NON VALANT AVIS D'IMPÔT") is False
    assert _asdir_valant("Ce document, non valant avis d'impôt, ne remplace pas l'avis") is False
