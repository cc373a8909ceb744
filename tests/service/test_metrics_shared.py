"""Metrics that add up (issue 14, point 5): upload counters shared by every API process through
Redis, monotonic over scrapes alternating between processes; no family name collisions."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from service import metrics
from tests.service.conftest import KEYS, Harness


def _uploads(text: str) -> int:
    return sum(int(n) for n in re.findall(r'^docproc_uploads_total\{outcome="[^"]*"\} (\d+)$', text, re.M))


def _upload_count(text: str) -> int:
    found = re.search(r"^docproc_upload_seconds_count (\d+)$", text, re.M)
    return int(found.group(1)) if found else 0


def test_two_api_processes_give_the_same_monotonic_counters(service: Harness, sample_pdf: bytes) -> None:
    from service.app import create_app

    other = create_app(service.settings, service.db)  # a second API process: its own Service object
    headers = {"Authorization": f"Bearer {KEYS['qa'][1]}"}
    first = service.client("qa")
    seen: list[int] = []
    with TestClient(other) as second:
        c = service.client("pipe_a")
        dossier = service.new_dossier(c)
        for i in range(10):
            if i % 3 == 0:
                assert service.upload(c, dossier, f"avis{i}.pdf", sample_pdf).status_code == 202
            a = first.get("/metrics").text
            b = second.get("/metrics", headers=headers).text
            assert _uploads(a) == _uploads(b) and _upload_count(a) == _upload_count(b)
            seen += [_uploads(a), _uploads(b)]
    assert seen == sorted(seen) and seen[-1] >= 4


def test_metric_families_do_not_collide() -> None:
    text = metrics.render(queue_depth=1, db_jobs=[("queued", 2)], redis_hash={"jobs|finished|": "3"},
                          uploads=metrics.UploadMetrics(), workers=1)
    families = re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M)
    names = [name.removesuffix("_total") if kind == "counter" else name for name, kind in families]
    assert len(names) == len(set(names)), names
    assert 'docproc_jobs_current{status="queued"} 2' in text
