"""Issue 12 §8: the whole hostile corpus through the real API, with two workers running.

Every corpus file is uploaded (``POST /dossiers/{id}/files``, a few dossiers); each gets a clean
verdict — refused at upload (413/415/422, nothing stored) or a finished job whose file carries
the expected critical check (``None``: accepted) — no job fails, no worker dies (same pids at the
end, no ``traitement.abandonne``), and the API still serves a normal avis afterwards. Page images of
hostile files are rendered in the sandbox: a bomb answers 422/503, never takes the API down.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from docproc.errors import Reason
from service.api_errors import HTTP_FILE_EMPTY, HTTP_FILE_TOO_LARGE, HTTP_FILE_UNSUPPORTED_TYPE
from tests.docproc.hostile.corpus import corpus
from tests.service.conftest import Harness, RedisServer, harness

pytestmark = [pytest.mark.adversarial, pytest.mark.redis]

DOSSIERS = 4
#: Upload refusals by the API itself (before storage): status → {API error code: the library's
#: check code for the same file (what the CLI reports, ``item.expected``)}.
REFUSED_AT_UPLOAD = {
    413: {HTTP_FILE_TOO_LARGE: Reason.too_large.value},
    415: {HTTP_FILE_UNSUPPORTED_TYPE: Reason.unsupported_type.value},
    422: {HTTP_FILE_EMPTY: Reason.empty.value},
}


def _peak_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _wait(h: Harness, c: Any, job_id: str, timeout: float) -> dict[str, Any]:
    """Like ``Harness.wait_job``, polling every 0.2 s (a hundred jobs)."""
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = c.get(f"/jobs/{job_id}").json()
        if body["status"] in ("finished", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def _critical(file: dict[str, Any]) -> str | None:
    failed = [
        c for c in file.get("checks") or [] if not c.get("ok") and c.get("level") == "critical"
    ]
    return str(failed[0]["code"]) if failed else None


@pytest.fixture(scope="module")
def hostile_service(tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer) -> Any:
    with harness(tmp_path_factory.mktemp("hostile"), redis_server.url, workers=2) as h:
        yield h


def test_every_corpus_file_through_the_api_has_a_clean_verdict(
    hostile_service: Harness, sample_pdf: bytes
) -> None:
    h = hostile_service
    pids = [p.pid for p in h.workers]
    items = corpus()
    c = h.client("pipe_a")
    dossiers = [h.new_dossier(c) for _ in range(DOSSIERS)]
    started = time.monotonic()
    pending: list[tuple[int, str, str, str]] = []  # item index, dossier, file id, job id
    wrong: list[str] = []
    refused = 0
    for k, item in enumerate(items):
        dossier = dossiers[k % DOSSIERS]
        r = h.upload(c, dossier, item.name, item.data)
        if r.status_code in REFUSED_AT_UPLOAD:
            refused += 1
            code = r.json()["error"]
            assert r.json()["message"], item.name
            if REFUSED_AT_UPLOAD[r.status_code].get(code) != item.expected:
                wrong.append(
                    f"{item.name!r}: HTTP {r.status_code} {code} (attendu {item.expected})"
                )
            continue
        assert r.status_code == 202, f"{item.name!r}: {r.status_code} {r.text[:300]}"
        body = r.json()
        pending.append((k, dossier, body["file_id"], body["job_id"]))
    jobs: dict[str, dict[str, Any]] = {}
    for _, _, _, job_id in pending:
        if job_id not in jobs:
            jobs[job_id] = _wait(h, c, job_id, 240)
    elapsed = time.monotonic() - started
    bad_jobs = [
        f"{j['job_id']}: {j['status']} {j['reason']}"
        for j in jobs.values()
        if j["status"] != "finished"
    ]
    assert not bad_jobs, "\n".join(bad_jobs)
    files: dict[str, dict[str, Any]] = {}
    for dossier in dossiers:
        d = c.get(f"/dossiers/{dossier}")
        assert d.status_code == 200, d.text
        files.update({f["file_id"]: f for f in d.json()["files"]})
    for k, _, file_id, _ in pending:
        item = items[k]
        got = _critical(files[file_id])
        if got != item.expected:
            wrong.append(f"{item.name!r}: {got} (attendu {item.expected})")
    assert not wrong, "\n".join(wrong)
    # no worker died: the same processes, alive; nothing abandoned
    assert [p.pid for p in h.workers] == pids and all(p.poll() is None for p in h.workers), (
        h.worker_logs()[-3000:]
    )
    assert "traitement.abandonne" not in h.worker_logs()
    # the API still answers, and a normal avis still goes through
    assert c.get("/healthz").status_code == 200
    ok = h.upload(c, h.new_dossier(c), "avis.pdf", sample_pdf)
    assert (
        ok.status_code == 202
        and h.wait_job(c, ok.json()["job_id"], timeout=60)["status"] == "finished"
    )
    peaks = {pid: _peak_mb(pid) for pid in pids}
    sandboxes = {child: _peak_mb(child) for pid in pids for child in _children(pid)}
    overruns = h.worker_logs().count(
        "dans le bac à sable"
    )  # a sandbox child replaced, never a worker
    print(
        f"\nhostile corpus via API: {len(items)} files, {refused} refused at upload, {len(jobs)} jobs, "
        f"{elapsed:.1f} s; sandbox overruns {overruns}; worker peak RSS MB "
        f"{ {p: round(v or 0) for p, v in peaks.items()} }; sandbox peak RSS MB "
        f"{ {p: round(v or 0) for p, v in sandboxes.items()} }"
    )


def _one_file(h: Harness, c: Any, name: str) -> tuple[str, str]:
    item = next(i for i in corpus() if i.name == name)
    dossier = h.new_dossier(c)
    r = h.upload(c, dossier, item.name, item.data)
    assert r.status_code == 202, r.text
    h.wait_job(c, r.json()["job_id"], timeout=120)
    return dossier, str(r.json()["file_id"])


@pytest.mark.parametrize("name", ["xobject_rires_9x10.pdf", "flate_bombe_1go_contenu.pdf"])
def test_page_image_of_a_hostile_file_answers_cleanly(
    hostile_service: Harness, sample_pdf: bytes, name: str
) -> None:
    h = hostile_service
    c = h.client("pipe_a")
    agent = h.client("agent")
    dossier, file_id = _one_file(h, c, name)
    api_pid = os.getpid()
    r = agent.get(f"/dossiers/{dossier}/files/{file_id}/pages/1.png", timeout=200)
    assert r.status_code == 422, r.text[:300]
    body = r.json()
    assert body["error"] == "page.unreadable" and body["message"].startswith(
        "Cette page ne peut pas"
    )
    assert "Traceback" not in r.text
    from docproc.sandbox import get_sandbox

    assert get_sandbox().pid not in (None, api_pid)  # drawn in the child, not in the API
    # the API still serves, a normal page included
    assert c.get("/healthz").status_code == 200
    normal_dossier = h.new_dossier(c)
    up = h.upload(c, normal_dossier, "avis.pdf", sample_pdf)
    h.wait_job(c, up.json()["job_id"], timeout=60)
    png = agent.get(f"/dossiers/{normal_dossier}/files/{up.json()['file_id']}/pages/1.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def test_page_image_that_overruns_the_sandbox_is_a_clean_422(
    hostile_service: Harness, sample_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child killed mid-render (wall timeout): 422 with the French message, the API goes on
    and the next page is drawn by a fresh child."""
    from docproc.sandbox import get_sandbox

    h = hostile_service
    c, agent = h.client("pipe_a"), h.client("agent")
    dossier = h.new_dossier(c)
    up = h.upload(c, dossier, "avis.pdf", sample_pdf)
    h.wait_job(c, up.json()["job_id"], timeout=60)
    url = f"/dossiers/{dossier}/files/{up.json()['file_id']}/pages/1.png"
    assert agent.get(url).status_code == 200
    before = get_sandbox().pid
    monkeypatch.setenv("DOCPROC_SANDBOX_TIMEOUT_S", "0.001")
    r = agent.get(url, params={"dpi": 200})
    assert r.status_code == 422, r.text[:300]
    assert r.json()["error"] == "page.unreadable" and "mémoire ou de temps" in r.json()["message"]
    assert c.get("/healthz").status_code == 200
    monkeypatch.delenv("DOCPROC_SANDBOX_TIMEOUT_S")
    assert agent.get(url).status_code == 200
    assert get_sandbox().pid not in (None, before)


def test_page_rendering_maps_every_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the sandbox the same guards run in process; a sandbox that cannot start is 503."""
    from docproc import sandbox as sandbox_module
    from docproc.errors import DocprocError, Reason
    from service.api_errors import ApiError
    from service.pages import render_page
    from tests.service.conftest import SAMPLES

    avis = (SAMPLES / "avis_2025_seul_2p.pdf").read_bytes()
    bomb = next(i for i in corpus() if i.name == "xobject_rires_9x10.pdf").data
    monkeypatch.setenv("DOCPROC_SANDBOX", "0")
    assert render_page(avis, "application/pdf", 1, 50).startswith(b"\x89PNG")
    for data, number, status in ((bomb, 1, 422), (avis, 3, 404), (b"%PDF-1.4 nothing", 1, 422)):
        with pytest.raises(ApiError) as err:
            render_page(data, "application/pdf", number, 50)
        assert err.value.status == status
    monkeypatch.setenv("DOCPROC_SANDBOX", "1")

    def no_start(*_args: Any, **_kwargs: Any) -> Any:
        raise DocprocError(Reason.resources, cause="démarrage trop long")

    monkeypatch.setattr(sandbox_module.Sandbox, "render", no_start)
    with pytest.raises(ApiError) as err:
        render_page(avis, "application/pdf", 1, 50)
    assert err.value.status == 503 and "indisponible" in err.value.message
