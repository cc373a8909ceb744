"""The typed result of :func:`docproc.pipeline.extract` and its contract JSON.

Stages hand over these dataclasses; ``to_contract()`` turns them into the contract's dicts
(``docs/contract.md`` §3) only at the edges: the CLI, QA, the worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from docproc.extractors.extraction import Provenance
from docproc.models import Check, PageKey
from docproc.text.acquire import FileRead


@dataclass(frozen=True)
class DocumentPage:
    """One page of a document: where it is (file, page of the file) and its number n of N."""

    file: str
    page: int
    number: int | None
    of: int | None

    def to_contract(self) -> dict[str, Any]:
        return {"file": self.file, "page": self.page, "number": self.number, "of": self.of}


@dataclass
class DocumentResult:
    """One document of the dossier: its fields, where each was read, its checks and status."""

    kind: str
    status: str
    pages: list[DocumentPage]
    complete: bool
    missing_pages: list[int]
    fields: dict[str, Any]
    provenance: dict[str, Provenance]
    missing_fields: dict[str, str]
    checks: list[Check]
    classified: list[PageKey]  # every page classified into the document, duplicates included
    twoddoc: dict[str, Any] | None = None  # the code's contract part, when there is one

    def to_contract(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "kind": self.kind,
            "status": self.status,
            "pages": [p.to_contract() for p in self.pages],
            "complete": self.complete,
            "missing_pages": self.missing_pages,
            "fields": self.fields,
            "provenance": {name: p.to_contract() for name, p in self.provenance.items()},
            "missing_fields": self.missing_fields,
            "checks": [c.to_json() for c in self.checks],
            "classification": {"kind": self.kind, "pages": [k.evidence() for k in self.classified]},
        }
        if self.twoddoc:
            doc["twoddoc"] = self.twoddoc
        return doc


@dataclass
class ExtractionResult:
    """What one dossier's files gave: each file's report and the documents found in them."""

    request_date: date
    files: list[FileRead] = field(default_factory=list)
    documents: list[DocumentResult] = field(default_factory=list)

    def to_contract(self) -> dict[str, Any]:
        return {
            "request_date": self.request_date.isoformat(),
            "files": [r.report() for r in self.files],
            "documents": [d.to_contract() for d in self.documents],
        }
