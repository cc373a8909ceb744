"""The whole flow on one screen: files → pages → documents → fields → 2D-Doc → checks."""

from __future__ import annotations

from datetime import date

from docproc import documents, signed
from docproc.extractors.classify import classify
from docproc.extractors.view import PageView
from docproc.grouping import group_pages
from docproc.models import Upload
from docproc.results import ExtractionResult
from docproc.settings import get_settings
from docproc.text.acquire import read_file


def extract(
    uploads: list[Upload], request_date: date, *, verify_codes: bool = True
) -> ExtractionResult:
    """Read the uploads of one dossier; a rejected file is a result, never an exception.

    ``.to_contract()`` of the result is the contract's JSON (§3); its ``files`` keep every page
    as it was read (QA draws the fields' boxes on them)."""
    settings = get_settings()
    reads = [read_file(u, settings) for u in _unique_names(uploads)]  # size, type, text or OCR
    views = [PageView(page) for r in reads for page in r.pages]
    keys = [classify(view, order) for order, view in enumerate(views)]  # kind, page 1 or n/N
    result = ExtractionResult(request_date, files=reads)
    for group in group_pages(keys):  # documents across files
        fields = documents.read_fields(group, views)  # spec-driven fields
        code = signed.verify(group, views, fields) if verify_codes else None  # 2D-Doc findings
        fields = documents.apply_signed(fields, code)  # its corrections
        result.documents.append(
            documents.assemble(group, views, fields, code, request_date)
        )  # checks
    return result


def _unique_names(uploads: list[Upload]) -> list[Upload]:
    seen: dict[str, int] = {}
    out = []
    for up in uploads:
        n = seen.get(up.name, 0)
        seen[up.name] = n + 1
        out.append(up if n == 0 else Upload(f"{up.name} ({n + 1})", up.data))
    return out
