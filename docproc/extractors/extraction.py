"""What the field readers hand over: values, their typed provenance, missing reasons.

Shared by :mod:`docproc.extractors.fields` and the readers it dispatches to (declarants,
revenus, locaux) so that none of them imports another's module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docproc.extractors.view import PageView
from docproc.models import Box, contract_box
from docproc.page_geometry import map_box


@dataclass
class Provenance:
    """Where one value comes from (contract §3 ``provenance``). Every key is optional and
    written only when known; :meth:`to_contract` gives the keys in their contract order."""

    source: str | None = None  # "text", "ocr" or "2ddoc"
    page: int | None = None  # the page's number within the document
    confidence: float | None = None
    bbox: list[float] | None = None  # where the value is, fractions of the page, origin top-left
    label_bbox: list[float] | None = None  # where its label is
    #: OCR of a photo or a turned scan: the same two boxes on the file's image as uploaded
    file_bbox: list[float] | None = None
    file_label_bbox: list[float] | None = None
    ocr_corrected: bool | None = None  # an OCR misreading replaced by the signed 2D-Doc value
    printed_page: int | None = None  # … and where the misread print is
    printed_bbox: list[float] | None = None
    rate: float | None = None  # a converted amount: the exchange rate used
    rate_date: str | None = None
    rate_source: str | None = None
    numero_fiscal_bbox: list[list[float] | None] | None = None  # declarants: each numéro's box
    numero_fiscal_from_2ddoc: list[int] | None = (
        None  # declarants: ranks whose numéro is the code's
    )
    #: Key order only: the numéros from the code come before their boxes when none was printed.
    from_2ddoc_first: bool = field(default=False, compare=False, repr=False)

    def to_contract(self) -> dict[str, Any]:
        names = [
            "source",
            "page",
            "confidence",
            "bbox",
            "label_bbox",
            "file_bbox",
            "file_label_bbox",
            "ocr_corrected",
            "printed_page",
            "printed_bbox",
            "rate",
            "rate_date",
            "rate_source",
            "numero_fiscal_bbox",
            "numero_fiscal_from_2ddoc",
        ]
        if self.from_2ddoc_first:
            names[-2:] = names[-1:-3:-1]
        converted = any(v is not None for v in (self.rate, self.rate_date, self.rate_source))
        out: dict[str, Any] = {}
        for name in names:
            value = getattr(self, name)
            if value is not None or (name.startswith("rate") and converted):
                out[name] = value
        return out


def provenance_entry(
    source: str,
    page: int,
    conf: float,
    box: Box | None = None,
    label: Box | None = None,
    to_file: tuple[float, ...] | None = None,
) -> Provenance:
    """A provenance entry: ``bbox`` and ``label_bbox`` only when known (never guessed); with
    ``to_file`` (an OCR'd photo or turned scan), the same boxes on the file as uploaded."""
    return Provenance(
        source=source,
        page=page,
        confidence=round(conf, 3),
        bbox=contract_box(box),
        label_bbox=contract_box(label),
        file_bbox=contract_box(map_box(box, to_file)),
        file_label_bbox=contract_box(map_box(label, to_file)),
    )


@dataclass
class Extraction:
    fields: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # field -> French reason

    def put(
        self,
        name: str,
        value: Any,
        view: PageView,
        conf: float,
        page_number: int,
        box: Box | None = None,
        label: Box | None = None,
    ) -> None:
        """A value read on a page: ``box`` is where it was read (union of its words), ``label``
        where its label was, when one was used (fractions of the page, origin top-left)."""
        self.fields[name] = value
        self.missing.pop(name, None)
        self.provenance[name] = provenance_entry(
            view.page.source, page_number, conf, box, label, view.page.to_file
        )
