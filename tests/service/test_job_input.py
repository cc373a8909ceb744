"""What a job keeps of the pipeline's answer (``service.job_input.clean_result``)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from docproc.errors import Reason
from service.job_input import TEXT_KEYS, clean_result


def _reference(result: Any, ids: dict[str, str]) -> Any:
    """The former definition: a JSON round trip, then the text keys dropped, ids added."""

    def drop(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: drop(v) for k, v in value.items() if k not in TEXT_KEYS}
        return [drop(v) for v in value] if isinstance(value, list) else value

    out = json.loads(json.dumps(result, default=str))
    out = {k: (drop(v) if k in ("files", "documents") else v) for k, v in out.items()}
    for f in out["files"]:
        f["file_id"] = ids[f["name"]]
    for doc in out["documents"]:
        for page in doc["pages"]:
            page["file_id"] = ids[page["file"]]
    return out


def test_clean_result_is_the_json_copy_without_text_with_file_ids() -> None:
    result = {
        "status": Reason.internal,
        "text": "kept at the top level, as before",
        "files": [
            {"name": "avis.pdf", "pages": 2, "text": "Revenu fiscal", "when": date(2025, 1, 2)}
        ],
        "documents": [
            {
                "kind": "avis",
                "fields": {"rfr": {"value": 25123, "ocr_text": "25 123", "score": 0.5}},
                "pages": ({"file": "avis.pdf", "index": 1, "lines": ["a", "b"]},),
                "path": Path("/x"),
                "counts": {1: True, None: float("inf")},
            }
        ],
    }
    ids = {"avis.pdf": "f-1"}
    out = clean_result(result, ids)
    assert out == _reference(result, ids)
    assert json.dumps(out, default=str) == json.dumps(_reference(result, ids))
    assert "Revenu fiscal" not in json.dumps(out) and "25 123" not in json.dumps(out)
    assert out["documents"][0]["pages"] == [{"file": "avis.pdf", "index": 1, "file_id": "f-1"}]
