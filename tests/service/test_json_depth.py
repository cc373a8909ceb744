"""Issue 12, point 6: malformed JSON of any depth on every JSON route is a 422, never a 500."""

from __future__ import annotations

import logging

import pytest

from service.multipart import JSON_MAX_DEPTH, json_too_deep
from tests.service.conftest import Harness

pytestmark = pytest.mark.redis

HOSTILE = {
    "open_arrays": b"[" * 100_000,
    "open_objects": b'{"a":' * 50_000,
    "balanced_deep": b"[" * 5_000 + b"]" * 5_000,
    "one_level_too_deep": b"[" * (JSON_MAX_DEPTH + 1) + b"]" * (JSON_MAX_DEPTH + 1),
    "deep_household": b'{"membres": ' + b"[" * 3_000 + b"]" * 3_000 + b"}",
}


def test_depth_check_ignores_brackets_inside_strings() -> None:
    assert not json_too_deep(b'{"nom": "[[[[{{{{", "x": [1, {"y": "\\"]]]"}]}')
    assert not json_too_deep(b"[" * JSON_MAX_DEPTH + b"]" * JSON_MAX_DEPTH)
    assert json_too_deep(b"[" * 100_000)
    assert json_too_deep(b"[}")


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_deeply_nested_json_is_422_invalid_json_on_every_json_route(
    service: Harness, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    body = HOSTILE[name]
    with caplog.at_level(logging.DEBUG):
        for method, url in (("POST", "/dossiers"), ("PUT", f"/dossiers/{dossier}/household")):
            r = c.request(method, url, content=body, headers={"Content-Type": "application/json"})
            assert r.status_code == 422, (method, url, r.status_code, r.text[:200])
            assert r.json()["error"] == "invalid_json"
            assert r.json()["message"]
    assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text
    # The service is fine afterwards.
    assert c.get("/healthz").status_code == 200
    assert c.put(f"/dossiers/{dossier}/household", json=[[[[1]]]]).status_code == 422
