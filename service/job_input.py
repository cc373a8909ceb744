"""What a job reads (its claim: the dossier and its files, read again only when uploads must
settle) and what it keeps of the pipeline's answer (a JSON copy without any page text)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select

from service.db import DOSSIERS, FILES, utcnow
from service.job_context import WorkerContext
from service.sealed import encode
from service.storage import StorageError

#: Longest a job waits for a dossier's uploads to settle before reading it anyway.
MAX_COALESCE_WAIT_S = 5.0

LOAD_DOSSIER = select(DOSSIERS.c.generation, DOSSIERS.c.request_date, DOSSIERS.c.data_key).where(
    DOSSIERS.c.id == bindparam("dossier_id")
)
LOAD_FILES = (
    select(
        FILES.c.id, FILES.c.name_sealed, FILES.c.wrapped_key, FILES.c.media_type, FILES.c.created_at
    )
    .where(FILES.c.dossier_id == bindparam("dossier_id"))
    .order_by(FILES.c.seq)
)


class ClaimedFile(NamedTuple):
    """A file as the claim read it (``LOAD_FILES``'s columns, read in the claim's statement)."""

    id: str
    name_sealed: bytes | None
    wrapped_key: bytes
    media_type: str
    created_at: datetime


@dataclass(frozen=True)
class Claim:
    job_id: str
    dossier_id: str
    attempt: int
    created_at: datetime
    enqueued_at: datetime | None = None
    #: The dossier as read by the claim's transaction (generation, request date, wrapped data
    #: key) and its files: a job that need not wait for uploads to settle reads nothing more.
    generation: int = 0
    request_date: date | None = None
    data_key: bytes | None = None
    files: tuple[ClaimedFile, ...] = ()


def load(ctx: WorkerContext, claim: Claim) -> tuple[int, date, list[Any], dict[str, str]] | None:
    """Decrypt every file of the dossier, once its uploads have settled (see ``settle_wait``):
    the files the claim read, or those read again after a wait."""
    from docproc.models import Upload

    dossier_id = claim.dossier_id
    dossier: Any = claim
    files: Any = claim.files
    deadline = time.monotonic() + MAX_COALESCE_WAIT_S
    while True:
        wait = settle_wait(ctx, files)
        if wait <= 0 or time.monotonic() + wait > deadline:
            break
        time.sleep(wait)
        with ctx.db.read_conn() as conn:
            dossier = conn.execute(LOAD_DOSSIER, {"dossier_id": dossier_id}).first()
            if dossier is None:
                return None
            files = conn.execute(LOAD_FILES, {"dossier_id": dossier_id}).all()
    uploads, ids = [], {}
    for f in files:
        try:
            data = ctx.store.get(f.id, f.wrapped_key)
        except StorageError:
            with ctx.db.read_conn() as conn:
                if (
                    conn.execute(select(DOSSIERS.c.id).where(DOSSIERS.c.id == dossier_id)).first()
                    is None
                ):
                    return None  # deleted while we were reading
            raise
        name = ctx.sealing().open(dossier.data_key, dossier_id, "files.name", f.id, f.name_sealed)
        uploads.append(Upload(name=name, data=data))
        ids[name] = f.id
    return dossier.generation, dossier.request_date, uploads, ids


def settle_wait(ctx: WorkerContext, files: Any) -> float:
    """Seconds to wait before reading: a dossier holding images is read once its uploads have
    been quiet for ``coalesce_images_s`` (the photos of one avis are OCR'd once, together)."""
    quiet = ctx.settings.coalesce_images_s
    if quiet <= 0 or not any(str(f.media_type).startswith("image/") for f in files):
        return 0.0
    last = max(f.created_at for f in files)
    waited: float = (utcnow() - last).total_seconds()
    return float(quiet) - waited


#: Keys that would carry a document's text: never stored, whatever the pipeline returns.
TEXT_KEYS = frozenset({"text", "raw_text", "page_text", "ocr_text", "segments", "lines", "words"})


_LEAVES = frozenset({str, int, float, bool, type(None)})


def _json_safe(value: Any, drop: bool) -> Any:
    """What ``json.loads(json.dumps(value, default=str))`` gives, without the text keys when
    ``drop``, in one walk (no JSON text built and parsed again: the result is sealed as JSON
    next, and this runs once per job)."""
    if type(value) in _LEAVES:
        return value  # most of the tree: checked first, by exact type (an enum member is not)
    if isinstance(value, dict):
        return {
            (k if isinstance(k, str) else json.dumps(k)): _json_safe(v, drop)
            for k, v in value.items()
            if not (drop and k in TEXT_KEYS)
        }
    if isinstance(value, list | tuple):
        return [_json_safe(v, drop) for v in value]
    if isinstance(value, str | int | float):
        return value  # a str or int subclass (an enum member) is written as its value
    return str(value)


def clean_result(result: Any, ids: dict[str, str]) -> dict[str, Any]:
    """JSON-safe copy of the §3 object without any page text, with our file ids added."""
    out: dict[str, Any] = {
        (k if isinstance(k, str) else json.dumps(k)): _json_safe(v, k in ("files", "documents"))
        for k, v in result.items()
    }
    for f in out.get("files", []):
        if isinstance(f, dict) and f.get("name") in ids:
            f["file_id"] = ids[f["name"]]
    for doc in out.get("documents", []):
        for page in doc.get("pages", []) if isinstance(doc, dict) else []:
            if isinstance(page, dict) and page.get("file") in ids:
                page["file_id"] = ids[page["file"]]
    return out


#: How a text key shows in compact JSON: absent from the encoded result, there is none to drop.
_TEXT_MARKERS = tuple(f'"{k}":'.encode() for k in sorted(TEXT_KEYS))


def result_json(result: Any, ids: dict[str, str]) -> bytes:
    """``encode(clean_result(result, ids))``, the result as it is sealed: in the usual case
    (no text key anywhere, only str file names) the pipeline's answer is encoded as it is,
    with the file ids added to shallow copies of its files and pages, and no copy of the
    tree is built; otherwise by ``clean_result``."""
    with_ids = _with_ids(result, ids)
    if with_ids is not None:
        try:
            plain = encode(with_ids)
        except (TypeError, ValueError):  # a key JSON refuses: clean_result's way
            plain = None
        if plain is not None and not any(m in plain for m in _TEXT_MARKERS):
            return plain
    return encode(clean_result(result, ids))


def _with_ids(result: Any, ids: dict[str, str]) -> dict[str, Any] | None:
    """``result`` with ``clean_result``'s file ids added, or None when its shape is not the
    plain one for which that is all ``clean_result`` changes."""
    if type(result) is not dict:
        return None
    out = dict(result)
    files, documents = result.get("files", []), result.get("documents", [])
    if type(files) not in (list, tuple) or type(documents) not in (list, tuple):
        return None
    added = [_with_id(f, "name", ids) for f in files]
    docs: list[Any] = []
    for doc in documents:
        if not isinstance(doc, dict) or "pages" not in doc:
            docs.append(doc)
            continue
        pages = doc["pages"]
        if type(doc) is not dict or type(pages) not in (list, tuple):
            return None
        with_pages = [_with_id(p, "file", ids) for p in pages]
        if any(x is None for x in with_pages):
            return None
        docs.append({**doc, "pages": with_pages})
    if any(x is None for x in added):
        return None
    if "files" in result:
        out["files"] = added
    if "documents" in result:
        out["documents"] = docs
    return out


def _with_id(item: Any, key: str, ids: dict[str, str]) -> Any:
    """A copy of ``item`` with its ``file_id``, ``item`` when it gets none, None when the
    name is not a plain str (``clean_result`` would match it once made JSON-safe)."""
    if type(item) is not dict:
        return item if type(item) in (str, int, float, bool, type(None), list, tuple) else None
    name = item.get(key)
    if name is None:
        return item
    if type(name) is not str:
        return None
    return {**item, "file_id": ids[name]} if name in ids else item
