"""The whole flow on one screen: files → pages → documents → fields → 2D-Doc → checks."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date

from docproc import document_assembly, twoddoc_step
from docproc.extractors.classify import classify
from docproc.extractors.spec import all_specs
from docproc.extractors.view import PageView
from docproc.grouping import group_pages
from docproc.models import Upload
from docproc.results import ExtractionResult
from docproc.settings import Settings, get_settings
from docproc.text.acquire import FileRead, read_file


def extract(
    uploads: list[Upload],
    request_date: date,
    *,
    verify_codes: bool = True,
    on_file: Callable[[int, str], None] | None = None,
) -> ExtractionResult:
    """Read the uploads of one dossier; a rejected file is a result, never an exception.

    ``.to_contract()`` of the result is the contract's JSON (§3); its ``files`` keep every page
    as it was read (QA draws the fields' boxes on them). ``on_file(n, name)`` is told as the
    n-th file starts being read (the slow step: progress)."""
    settings = get_settings()
    reads = [_read(n, u, settings, on_file) for n, u in enumerate(_unique_names(uploads), 1)]
    views = [PageView(page) for r in reads for page in r.pages]
    keys = [classify(view, order) for order, view in enumerate(views)]  # kind, page 1 or n/N
    result = ExtractionResult(request_date, files=reads)
    for group in group_pages(keys):  # documents across files
        fields = document_assembly.read_fields(group, views)  # spec-driven fields
        code = (
            twoddoc_step.verify(group, views, fields) if verify_codes else None
        )  # 2D-Doc findings
        fields = document_assembly.apply_signed(fields, code)  # its corrections
        result.documents.append(
            document_assembly.assemble(group, views, fields, code, request_date)
        )  # checks
    return result


def prepare(verify_codes: bool = True) -> None:
    """Do now what a run does before it classifies its first page, whatever the files: load the
    specs and, when codes are verified, import the 2D-Doc verifier (pure Python; an avis's code).

    A caller that has just started the reading sandbox (``docproc extract``) calls it so that
    this work overlaps the child's start instead of following the child's first answer."""
    all_specs()
    if verify_codes:
        importlib.import_module("docproc.twoddoc.verify")


def _read(
    n: int, upload: Upload, settings: Settings, on_file: Callable[[int, str], None] | None
) -> FileRead:
    """Size, type, text layer or OCR (in the sandbox); ``on_file`` hears of it first."""
    if on_file is not None:
        on_file(n, upload.name)
    return read_file(upload, settings)


def _unique_names(uploads: list[Upload]) -> list[Upload]:
    seen: dict[str, int] = {}
    out = []
    for up in uploads:
        n = seen.get(up.name, 0)
        seen[up.name] = n + 1
        out.append(up if n == 0 else Upload(f"{up.name} ({n + 1})", up.data))
    return out
