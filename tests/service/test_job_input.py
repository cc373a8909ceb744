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


def _plain_result() -> dict[str, Any]:
    """The usual shape: no text key anywhere, str file names, values JSON takes or str()s."""
    return {
        "status": Reason.internal,
        "request_date": date(2025, 10, 1),
        "files": [
            {"name": "avis.pdf", "pages": 2, "path": Path("/x")},
            {"name": "autre.pdf", "pages": 1, "file_id": "old"},
            {"name": "inconnu.pdf"},
            "pas un dict",
        ],
        "documents": [
            {
                "kind": "avis",
                "fields": {"rfr": {"value": 25123, "score": 0.5, "box": (1, 2, 3, 4)}},
                "pages": ({"file": "avis.pdf", "index": 1}, {"file": "autre.pdf", "index": 1}),
                "counts": {1: True, None: float("inf"), 2.5: None},
            },
            {"kind": "sans pages"},
            ["pas", "un", "dict"],
        ],
        "checks": [{"id": "annee", "ok": True, "why": {"é": "ü"}}],
    }


def test_result_json_is_clean_result_encoded() -> None:
    """``result_json`` (the bytes sealed) is what sealing ``clean_result`` encoded, on the fast
    path (plain shape) and on every shape that falls back to ``clean_result``."""
    from service.job_input import result_json
    from service.sealed import encode

    ids = {"avis.pdf": "f-1", "autre.pdf": "f-2", "/y": "f-3"}
    odd: list[Any] = []
    base = _plain_result()
    odd.append(base)
    with_text = _plain_result()
    with_text["documents"][0]["fields"]["rfr"]["ocr_text"] = "25 123"
    odd.append(with_text)
    top_text = _plain_result()
    top_text["text"] = "kept at the top level"
    odd.append(top_text)
    path_name = _plain_result()
    path_name["files"][0]["name"] = Path("/y")  # matched once made a str by clean_result
    odd.append(path_name)
    tuple_key = _plain_result()
    tuple_key["documents"][0]["counts"][(1, 2)] = "clé refusée par JSON"
    odd.append(tuple_key)

    class Sub(dict[str, Any]):
        pass

    sub_doc = _plain_result()
    sub_doc["documents"][0] = Sub(sub_doc["documents"][0])
    odd.append(sub_doc)
    sub_page = _plain_result()
    sub_page["documents"][0]["pages"] = [Sub(file="avis.pdf", index=1)]
    odd.append(sub_page)
    tuple_files = _plain_result()
    tuple_files["files"] = tuple(tuple_files["files"])
    odd.append(tuple_files)
    odd.append({"files": [], "documents": []})
    odd.append({"status": "ok"})
    odd.append({"files": {"avis.pdf": 1}, "documents": [{"pages": "x"}], "obj": {3, 4}})
    for result in odd:
        assert result_json(result, ids) == encode(clean_result(result, ids)), result
    assert json.loads(result_json(with_text, ids)) == clean_result(with_text, ids)
    assert b"25 123" not in result_json(with_text, ids)


def test_result_json_takes_the_fast_path_on_the_plain_shape(monkeypatch: Any) -> None:
    import service.job_input as job_input

    expected = job_input.encode(clean_result(_plain_result(), {"avis.pdf": "f-1"}))

    def walk(*_: Any) -> Any:
        raise AssertionError("no copy of the tree is built for the plain shape")

    monkeypatch.setattr(job_input, "clean_result", walk)
    result = _plain_result()
    before = json.dumps(result, default=str)
    assert job_input.result_json(result, {"avis.pdf": "f-1"}) == expected
    assert json.dumps(result, default=str) == before  # the pipeline's answer is not changed
