"""Grouping pages into documents: order, duplicates, two avis mixed, page 1 alone."""

from __future__ import annotations

from docproc.extractors.classify import PageKey
from docproc.grouping import group_pages

NF_A, NF_B = "3023217600053", "1914177763379"


def first(order: int, file: str = "a.pdf", nf: str = NF_A, year: int = 2024) -> PageKey:
    return PageKey(
        order, file, order + 1, "avis_impot_revenu", "first", year, year + 1, nf, 1, None
    )


def cont(
    order: int, n: int, of: int, file: str = "a.pdf", nf: str | None = NF_A, year: int = 2024
) -> PageKey:
    return PageKey(
        order, file, order + 1, "avis_impot_revenu", "continuation", year, year + 1, nf, n, of
    )


def numbers(g) -> list[int | None]:  # type: ignore[no-untyped-def]
    return [1 if p.role == "first" else p.n for p in g.pages]


def test_out_of_order_pages_across_files_are_ordered() -> None:
    keys = [
        cont(0, 3, 4, "p3.jpg"),
        first(1, "p1.jpg"),
        cont(2, 4, 4, "p24.pdf"),
        cont(3, 2, 4, "p24.pdf"),
    ]
    [g] = group_pages(keys)
    assert numbers(g) == [1, 2, 3, 4]
    assert g.complete and g.missing == [] and g.total == 4
    assert not g.mixed_with_other


def test_missing_page_is_named() -> None:
    [g] = group_pages([first(0), cont(1, 2, 4), cont(2, 4, 4)])
    assert g.missing == [3] and not g.complete


def test_duplicates_are_ignored() -> None:
    [g] = group_pages([first(0), cont(1, 2, 2), cont(2, 2, 2), first(3)])
    assert numbers(g) == [1, 2] and len(g.duplicates) == 2 and g.complete


def test_page_one_alone_has_unknown_count() -> None:
    [g] = group_pages([first(0)])
    assert g.total is None and not g.complete and g.missing == []


def test_continuation_without_page_one() -> None:
    [g] = group_pages([cont(0, 2, 3), cont(1, 3, 3)])
    assert g.missing == [1] and not g.complete


def test_two_avis_in_one_file_are_two_documents_flagged() -> None:
    keys = [first(0, nf=NF_A), first(1, nf=NF_B), cont(2, 2, 2, nf=NF_A), cont(3, 2, 2, nf=NF_B)]
    groups = group_pages(keys)
    assert len(groups) == 2
    assert all(g.complete and g.mixed_with_other for g in groups)
    assert {g.pages[0].numero_fiscal for g in groups} == {NF_A, NF_B}


def test_two_avis_in_separate_files_are_not_flagged() -> None:
    keys = [
        first(0, "a.pdf", NF_A),
        cont(1, 2, 2, "a.pdf", NF_A),
        first(2, "b.pdf", NF_B),
        cont(3, 2, 2, "b.pdf", NF_B),
    ]
    groups = group_pages(keys)
    assert len(groups) == 2 and not any(g.mixed_with_other for g in groups)


def test_same_number_other_year_is_another_document() -> None:
    groups = group_pages(
        [
            first(0, year=2024),
            cont(1, 2, 2, year=2024),
            first(2, year=2023),
            cont(3, 2, 2, year=2023),
        ]
    )
    assert len(groups) == 2


def test_unreadable_header_number_attaches_only_when_unambiguous() -> None:
    [g] = group_pages([first(0), cont(1, 2, 2, nf=None)])
    assert g.complete
    groups = group_pages(
        [first(0, nf=NF_A), first(1, "b.pdf", NF_B), cont(2, 2, 2, "c.pdf", nf=None)]
    )
    assert len(groups) == 3


def test_disagreeing_totals_are_flagged() -> None:
    [g] = group_pages([first(0), cont(1, 2, 3), cont(2, 3, 4)])
    assert g.totals_disagree and not g.complete


def test_other_kinds_group_per_file() -> None:
    keys = [
        PageKey(0, "x.pdf", 1, "inconnu", "other"),
        PageKey(1, "x.pdf", 2, "inconnu", "other"),
        PageKey(2, "y.pdf", 1, "declaration_revenus", "first"),
    ]
    groups = group_pages(keys)
    assert [g.kind for g in groups] == ["inconnu", "declaration_revenus"]
    assert len(groups[0].pages) == 2
