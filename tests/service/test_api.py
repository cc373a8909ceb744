"""The HTTP API end to end: upload → job → result, and every refusal the contract names."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.service.conftest import KEYS, SAMPLES, Harness, RedisServer, harness

pytestmark = pytest.mark.redis


def test_healthz_needs_no_key(service: Harness) -> None:
    r = service.client(None).get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_upload_job_result(service: Harness, sample_pdf: bytes) -> None:
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    r = service.upload(
        c, dossier, "avis.pdf", sample_pdf, beneficiaire="demandeur", kind_hint="avis_impot_revenu"
    )
    assert r.status_code == 202, r.text
    body = r.json()
    assert set(body) >= {"job_id", "file_id"} and body["duplicate"] is False
    job = service.wait_job(c, body["job_id"])
    assert job["status"] == "finished" and job["reason"] is None and job["attempts"] == 1
    d = c.get(f"/dossiers/{dossier}").json()
    assert d["status"] == "complete"
    assert [f["file_id"] for f in d["files"]] == [body["file_id"]]
    assert d["files"][0]["extracted"] and d["files"][0]["media_type"] == "application/pdf"
    assert d["files"][0]["kind_hint"] == "avis_impot_revenu"
    [doc] = d["documents"]
    assert doc["kind"] == "avis_impot_revenu"
    assert doc["fields"]["annee_revenus"] == 2024
    assert all(p["file_id"] == body["file_id"] for p in doc["pages"])


def test_pages_of_one_avis_in_several_files(service: Harness) -> None:
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    jobs = []
    for part in sorted((SAMPLES / "avis_2025_pages_separees").glob("*.pdf")):
        r = service.upload(c, dossier, part.name, part.read_bytes())
        assert r.status_code == 202, r.text
        jobs.append(r.json()["job_id"])
    for job_id in jobs:
        assert service.wait_job(c, job_id)["status"] == "finished"
    d = c.get(f"/dossiers/{dossier}").json()
    assert d["status"] == "complete" and len(d["files"]) == 3
    avis = [doc for doc in d["documents"] if doc["kind"] == "avis_impot_revenu"]
    assert len(avis) == 1
    assert {p["file"] for p in avis[0]["pages"]} == {f["name"] for f in d["files"]}


def test_same_file_twice_is_processed_once(service: Harness, sample_pdf: bytes) -> None:
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    first = service.upload(c, dossier, "avis.pdf", sample_pdf).json()
    second = service.upload(c, dossier, "copie.pdf", sample_pdf)
    assert second.status_code == 202
    assert second.json()["duplicate"] is True
    assert (second.json()["job_id"], second.json()["file_id"]) == (
        first["job_id"],
        first["file_id"],
    )
    job = service.wait_job(c, first["job_id"])
    assert job["attempts"] == 1
    d = c.get(f"/dossiers/{dossier}").json()
    assert len(d["files"]) == 1 and len(d["jobs"]) == 1
    # Once processed, a third copy still maps to the same finished job: no new work.
    third = service.upload(c, dossier, "avis.pdf", sample_pdf).json()
    assert third["job_id"] == first["job_id"]
    assert c.get(f"/jobs/{third['job_id']}").json()["attempts"] == 1


def test_upload_over_2_mo_is_413_while_streaming(service: Harness) -> None:
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    big = b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024)
    r = service.upload(c, dossier, "gros.pdf", big)
    assert r.status_code == 413
    assert r.json()["error"] == "file.too_large" and "2 Mo" in r.json()["message"]

    # Chunked, without Content-Length: the cap is counted on the bytes as they arrive.
    def body():
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.pdf"\r\n\r\n%PDF-1.7\n'
        for _ in range(40):
            yield b"1" * 65536
        yield b"\r\n--b--\r\n"

    r = c.post(
        f"/dossiers/{dossier}/files",
        content=body(),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 413
    # Declared too large: answered right after the headers, before any of the body is sent.
    port = int(service.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            f"POST /dossiers/{dossier}/files HTTP/1.1\r\nHost: t\r\n"
            f"Authorization: Bearer {KEYS['pipe_a'][1]}\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {50 * 2**20}\r\n\r\n".encode()
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 413 ")
    assert c.get(f"/dossiers/{dossier}").json()["files"] == []
    # Exactly 2 Mo is accepted.
    ok = b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024 - 9)
    assert service.upload(c, dossier, "limite.pdf", ok).status_code == 202


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04" + b"\0" * 2000, b"GIF89a" + b"\0" * 100, b"<html>bonjour</html>"]
)
def test_unsupported_type_is_415(service: Harness, data: bytes) -> None:
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    r = service.upload(c, dossier, "avis.pdf", data)  # the name says PDF, the bytes do not
    assert r.status_code == 415
    assert r.json()["error"] == "file.unsupported_type"
    assert c.get(f"/dossiers/{dossier}").json()["files"] == []


def test_bad_forms_are_422(service: Harness, sample_pdf: bytes) -> None:
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    url = f"/dossiers/{dossier}/files"
    cases = [
        c.post(
            url, data={"beneficiaire": "x"}, files={"autre": ("a.pdf", sample_pdf)}
        ),  # no "file" field
        c.post(
            url, content=sample_pdf, headers={"Content-Type": "application/pdf"}
        ),  # not multipart
        service.upload(c, dossier, "a.pdf", sample_pdf, kind_hint="passeport"),  # unknown kind
        service.upload(c, dossier, "vide.pdf", b""),  # empty file
        c.post(
            url, files=[("file", ("a.pdf", sample_pdf)), ("file", ("b.pdf", sample_pdf))]
        ),  # two files
        c.post(
            url,
            content=b"--b\r\nnonsense",
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        ),
        c.post("/dossiers", content=b"{not json", headers={"Content-Type": "application/json"}),
        c.post("/dossiers", json={"request_date": "demain"}),
    ]
    for r in cases:
        assert r.status_code == 422, r.text
        assert set(r.json()) == {"error", "message"}
    assert c.get(f"/dossiers/{dossier}").json()["files"] == []


def test_401_without_valid_key(service: Harness) -> None:
    for client in (service.client(None), service.client(key="pas-une-cle-valide-du-tout")):
        for method, url in (
            ("post", "/dossiers"),
            ("get", "/dossiers/" + "0" * 32),
            ("get", "/metrics"),
            ("get", "/jobs/" + "0" * 32),
        ):
            r = getattr(client, method)(url)
            assert r.status_code == 401
            assert r.json()["error"] == "unauthorized"
            assert r.headers["www-authenticate"] == "Bearer"


def test_403_by_role(service: Harness, sample_pdf: bytes) -> None:
    owner = service.client("pipe_a")
    dossier = service.new_dossier(owner)
    qa, agent = service.client("qa"), service.client("agent")
    assert qa.post("/dossiers").status_code == 403
    assert agent.post("/dossiers").status_code == 403
    assert service.upload(qa, dossier, "a.pdf", sample_pdf).status_code == 403
    assert qa.post(f"/dossiers/{dossier}/reextract").status_code == 403
    assert owner.post(f"/dossiers/{dossier}/reextract").status_code == 403
    assert qa.delete(f"/dossiers/{dossier}").status_code == 403
    assert qa.put(f"/dossiers/{dossier}/household", json={}).status_code == 403
    r = qa.post("/dossiers")
    assert r.json() == {"error": "forbidden", "message": r.json()["message"]}
    # Reading is every role's right.
    assert qa.get(f"/dossiers/{dossier}").status_code == 200
    assert agent.get(f"/dossiers/{dossier}").status_code == 200


def test_other_clients_dossier_is_404(service: Harness, sample_pdf: bytes) -> None:
    a, b = service.client("pipe_a"), service.client("pipe_b")
    dossier = service.new_dossier(a)
    job = service.upload(a, dossier, "avis.pdf", sample_pdf).json()["job_id"]
    unknown = "f" * 32
    for url in (
        f"/dossiers/{dossier}",
        f"/jobs/{job}",
        f"/dossiers/{dossier}/eligibility",
        f"/dossiers/{unknown}",
        f"/jobs/{unknown}",
        "/dossiers/../etc",
        "/jobs/abc",
    ):
        r = b.get(url)
        assert r.status_code == 404, url
        assert r.json()["error"] == "not_found"
    assert service.upload(b, dossier, "x.pdf", sample_pdf).status_code == 404
    assert b.delete(f"/dossiers/{dossier}").status_code == 404
    assert b.put(f"/dossiers/{dossier}/household", json={}).status_code == 404
    assert dossier not in [d["id"] for d in b.get("/dossiers").json()["dossiers"]]
    assert dossier in [d["id"] for d in a.get("/dossiers").json()["dossiers"]]
    # The owner and the agents still see it.
    assert a.get(f"/dossiers/{dossier}").status_code == 200
    assert service.client("agent").get(f"/jobs/{job}").status_code == 200


def test_reextract_by_agent(service: Harness, sample_pdf: bytes) -> None:
    c, agent = service.client("pipe_a"), service.client("agent")
    dossier = service.new_dossier(c)
    service.wait_job(c, service.upload(c, dossier, "avis.pdf", sample_pdf).json()["job_id"])
    r = agent.post(f"/dossiers/{dossier}/reextract")
    assert r.status_code == 202
    job = service.wait_job(agent, r.json()["job_id"])
    assert job["status"] == "finished" and job["kind"] == "reextraction" and job["attempts"] == 1
    d = c.get(f"/dossiers/{dossier}").json()
    assert d["status"] == "complete" and len(d["documents"]) == 1 and len(d["jobs"]) == 2
    empty = service.new_dossier(c)
    assert agent.post(f"/dossiers/{empty}/reextract").status_code == 409


def test_household_and_eligibility(service: Harness, sample_pdf: bytes) -> None:
    pytest.importorskip("docproc.eligibility.feed")
    c = service.client("pipe_a")
    dossier = service.new_dossier(c, "2025-06-10")
    r = c.get(f"/dossiers/{dossier}/eligibility")
    assert r.status_code == 409 and r.json()["error"] == "household.missing"
    service.wait_job(c, service.upload(c, dossier, "avis.pdf", sample_pdf).json()["job_id"])
    household = {
        "date_demande": "2025-06-10",
        "territoire": "metropole",
        "logement": "locataire",
        "membres": [
            {
                "role": "demandeur",
                "date_naissance": "1984-03-02",
                "ressources": {"salaire_net": 9000},
            }
        ],
    }
    assert c.put(f"/dossiers/{dossier}/household", json=household).status_code == 200
    r = c.get(f"/dossiers/{dossier}/eligibility")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["decision"] in ("css_gratuite", "css_participation", "non_eligible")
    assert isinstance(out["avertissements"], list)
    # Issue 11: an invalid household is refused where it is sent (422, precise message, field path),
    # not accepted with 200 and reported later by GET /eligibility.
    bad = {
        **household,
        "membres": [
            {
                "role": "demandeur",
                "date_naissance": "1984-03-02",
                "ressources": {"salaire_inconnu": 1},
            }
        ],
    }
    r = service.client("agent").put(f"/dossiers/{dossier}/household", json=bad)
    assert r.status_code == 422 and r.json()["error"] == "household.invalid"
    assert r.json()["field"] == "membres.0.ressources.salaire_inconnu"
    assert "La ressource 'salaire_inconnu' du membre n° 1 est inconnue" in r.json()["message"]
    r = c.put(f"/dossiers/{dossier}/household", json={**household, "membres": []})
    assert r.status_code == 422 and r.json()["field"] == "membres"
    assert (
        c.get(f"/dossiers/{dossier}/eligibility").status_code == 200
    )  # the valid household is kept
    without_date = {k: v for k, v in household.items() if k != "date_demande"}
    assert c.put(f"/dossiers/{dossier}/household", json=without_date).status_code == 200
    assert c.put(f"/dossiers/{dossier}/household", json=[1, 2]).status_code == 422
    schema = (
        service.client(None)
        .get("/openapi.json")
        .json()["paths"]["/dossiers/{dossier_id}/household"]
    )
    body = schema["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["additionalProperties"] is False and "date_demande" not in body["required"]


def test_metrics(service: Harness, sample_pdf: bytes) -> None:
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    service.wait_job(c, service.upload(c, dossier, "avis.pdf", sample_pdf).json()["job_id"])
    r = service.client("qa").get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    for needle in (
        "docproc_queue_depth ",
        'docproc_jobs_total{outcome="finished",reason=""}',
        "docproc_job_processing_seconds_bucket",
        "docproc_job_latency_seconds_count",
        'docproc_uploads_total{outcome="accepted"}',
        "docproc_upload_seconds_bucket",
        "docproc_redis_up 1",
        "docproc_workers 2",
    ):
        assert needle in text, needle


def test_openapi_docs(service: Harness) -> None:
    c = service.client(None)
    assert c.get("/docs").status_code == 200
    spec = c.get("/openapi.json").json()
    assert "/dossiers/{dossier_id}/files" in spec["paths"]
    body = spec["paths"]["/dossiers/{dossier_id}/files"]["post"]["requestBody"]
    assert "multipart/form-data" in body["content"]


def test_no_personal_data_in_logs_or_errors(
    service: Harness, sample_pdf: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    secret_name = "avis_DUPONT_Marie_1984.pdf"
    job = service.upload(c, dossier, secret_name, sample_pdf).json()["job_id"]
    service.wait_job(c, job)
    d = c.get(f"/dossiers/{dossier}").json()
    [doc] = d["documents"]
    values = [
        secret_name,
        str(doc["fields"]["revenu_fiscal_reference"]),
        doc["fields"]["reference_avis"],
        doc["fields"]["declarants"][0]["nom"],
    ]
    refused = service.upload(c, dossier, secret_name, b"PK\x03\x04DUPONT").json()
    logs = service.worker_logs() + caplog.text + str(refused)
    for value in values:
        assert value not in logs
    assert KEYS["pipe_a"][1] not in logs


@pytest.mark.ocr
def test_photos_of_one_avis_are_read_once_together(service: Harness) -> None:
    photos = sorted((SAMPLES / "photo_avis_2023_retraitee_2p").glob("*.jpg"))
    if len(photos) < 2 or any(p.stat().st_size > 2 * 1024 * 1024 for p in photos):
        pytest.skip("échantillon photo absent")
    c = service.client("pipe_a")
    dossier = service.new_dossier(c, "2023-10-01")
    jobs = [service.upload(c, dossier, p.name, p.read_bytes()).json()["job_id"] for p in photos]
    done = [service.wait_job(c, j, timeout=120) for j in jobs]
    assert all(j["status"] == "finished" for j in done)
    # One extraction covered both photos: the other job never ran.
    assert sorted(j["attempts"] for j in done) == [0] * (len(jobs) - 1) + [1]
    d = c.get(f"/dossiers/{dossier}").json()
    assert d["status"] == "complete" and all(f["extracted"] for f in d["files"])


def test_the_413_message_follows_the_max_bytes_setting(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    """The upload limit and its message come from DOCPROC_MAX_BYTES of the settings' environment
    (it was read from the process's environment, whatever ``load_settings(env=…)`` was given)."""
    env = {"DOCPROC_MAX_BYTES": str(1536 * 1024), "DOCPROC_REQUIRE_WORKER": "0"}
    with harness(tmp_path, redis_server.url, workers=0, env=env) as h:
        assert h.settings.max_upload_bytes == 1536 * 1024
        c = h.client("pipe_a")
        dossier = h.new_dossier(c)
        r = h.upload(c, dossier, "gros.pdf", b"%PDF-1.7\n" + b"0" * (1600 * 1024))
        assert r.status_code == 413
        assert r.json()["error"] == "file.too_large"
        assert "(1,5 Mo)" in r.json()["message"] and "2 Mo" not in r.json()["message"]
