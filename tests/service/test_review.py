"""Agents' review over HTTP (issue 13): document ids, corrections, decisions, audit, page
images, the queue, the typed OpenAPI, and the roles of each route."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.service.conftest import KEYS, SAMPLES, Harness

pytestmark = pytest.mark.redis


def _dossier_with(
    service: Harness, sample: bytes, name: str = "avis.pdf"
) -> tuple[str, str, dict[str, Any]]:
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    r = service.upload(c, dossier, name, sample)
    assert r.status_code == 202, r.text
    assert service.wait_job(c, r.json()["job_id"], timeout=60)["status"] == "finished"
    body = service.client("agent").get(f"/dossiers/{dossier}").json()
    return dossier, r.json()["file_id"], body


def _reextract(service: Harness, dossier: str) -> None:
    agent = service.client("agent")
    r = agent.post(f"/dossiers/{dossier}/reextract")
    assert r.status_code == 202, r.text
    assert service.wait_job(agent, r.json()["job_id"], timeout=60)["status"] == "finished"


def test_correction_decision_audit_and_reextraction(service: Harness, sample_pdf: bytes) -> None:
    dossier, _file_id, body = _dossier_with(service, sample_pdf)
    [doc] = body["documents"]
    doc_id = doc["id"]
    assert re.fullmatch(r"[0-9a-f]{16}", doc_id)
    machine = doc["fields"]["revenu_fiscal_reference"]
    url = f"/dossiers/{dossier}/documents/{doc_id}/fields/revenu_fiscal_reference"
    agent, qa, pipe = service.client("agent"), service.client("qa"), service.client("pipe_a")

    # Roles: only agents correct; the pipeline sees neither corrections nor the audit.
    assert pipe.patch(url, json={"value": 1, "reason": "x"}).status_code == 403
    assert qa.patch(url, json={"value": 1, "reason": "x"}).status_code == 403
    assert service.client(None).patch(url, json={"value": 1, "reason": "x"}).status_code == 401
    # Validation against the spec's type; never an echo of the value.
    for bad in (
        {"value": "douze mille", "reason": "x"},
        {"value": 1.5, "reason": "x"},
        {"value": True, "reason": "x"},
        {"value": 12000},
        {"value": 12000, "reason": "  "},
    ):
        r = agent.patch(url, json=bad)
        assert r.status_code == 422, (bad, r.text)
        assert set(r.json()) == {"error", "message"} and "douze" not in r.text
    r = agent.patch(
        f"/dossiers/{dossier}/documents/{doc_id}/fields/champ_inconnu",
        json={"value": 1, "reason": "x"},
    )
    assert r.status_code == 422 and r.json()["error"] == "field.unknown"
    r = agent.patch(
        f"/dossiers/{dossier}/documents/{doc_id}/fields/reference_avis",
        json={"value": "pas une référence", "reason": "x"},
    )
    assert r.status_code == 422
    assert (
        agent.patch(
            f"/dossiers/{dossier}/documents/0000000000000000/fields/revenu_fiscal_reference",
            json={"value": 1, "reason": "x"},
        ).status_code
        == 404
    )

    corrected = machine + 1000
    r = agent.patch(
        url, json={"value": corrected, "reason": "Lu sur l'original présenté au guichet."}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["audit"]["author"] == "agent" and out["audit"]["old_value"] == machine
    assert (
        out["audit"]["new_value"] == corrected
        and out["audit"]["field"] == "revenu_fiscal_reference"
    )
    assert out["document"]["fields"]["revenu_fiscal_reference"] == corrected

    d = agent.get(f"/dossiers/{dossier}").json()["documents"][0]
    prov = d["provenance"]["revenu_fiscal_reference"]
    assert d["fields"]["revenu_fiscal_reference"] == corrected
    assert (
        prov["source"] == "agent" and prov["machine_value"] == machine and prov["author"] == "agent"
    )
    assert prov["reason"] == "Lu sur l'original présenté au guichet."
    # The pipeline reads the machine's values (with the same document ids).
    d_pipe = pipe.get(f"/dossiers/{dossier}").json()["documents"][0]
    assert d_pipe["id"] == doc_id and d_pipe["fields"]["revenu_fiscal_reference"] == machine
    assert "decision" not in d_pipe
    # Another client's dossier does not exist for it.
    assert service.client("pipe_b").get(f"/dossiers/{dossier}").status_code == 404

    # Decision.
    durl = f"/dossiers/{dossier}/documents/{doc_id}/decision"
    assert pipe.post(durl, json={"status": "accepted", "reason": "ok"}).status_code == 403
    assert agent.post(durl, json={"status": "peut-être", "reason": "ok"}).status_code == 422
    r = agent.post(durl, json={"status": "accepted", "reason": "Avis complet et lisible."})
    assert r.status_code == 200, r.text
    d = agent.get(f"/dossiers/{dossier}").json()["documents"][0]
    assert d["status"] == "accepted" and d["decision"]["author"] == "agent"
    assert d["review"]["needs_review"] is False

    # Audit: agents and QA; not the pipeline.
    assert pipe.get(f"/dossiers/{dossier}/audit").status_code == 403
    for who in (agent, qa):
        entries = who.get(f"/dossiers/{dossier}/audit").json()["entries"]
        assert [e["action"] for e in entries] == ["correction", "decision"]
        assert (
            entries[1]["new_value"] == "accepted"
            and entries[1]["reason"] == "Avis complet et lisible."
        )
        assert all(e["at"] and e["author"] == "agent" for e in entries)

    # A re-extraction of the same pages: same id, the agent's value stays, the machine's is beside.
    _reextract(service, dossier)
    d = agent.get(f"/dossiers/{dossier}").json()["documents"][0]
    assert d["id"] == doc_id
    assert d["fields"]["revenu_fiscal_reference"] == corrected
    prov = d["provenance"]["revenu_fiscal_reference"]
    assert (
        prov["source"] == "agent"
        and prov["machine_value"] == machine
        and prov["disagreement"] is True
    )
    assert d["status"] == "accepted"


def test_new_machine_value_after_reextraction_is_flagged(
    service: Harness, sample_pdf: bytes
) -> None:
    """The stored result changes under a correction (as a better OCR would): flagged."""
    dossier, _file_id, body = _dossier_with(service, sample_pdf)
    doc_id = body["documents"][0]["id"]
    agent = service.client("agent")
    r = agent.patch(
        f"/dossiers/{dossier}/documents/{doc_id}/fields/nombre_parts",
        json={"value": 2.5, "reason": "Parts vérifiées."},
    )
    assert r.status_code == 200, r.text
    from service.db import Dossier

    sealer = service.app.state.service.sealer  # the result is sealed at rest (service.sealed)
    with service.db.write() as s:
        row = s.get(Dossier, dossier)
        key = row.data_key or b""
        result = sealer.open(key, dossier, "dossiers.result", dossier, row.result_sealed)
        result["documents"][0]["fields"]["nombre_parts"] = 3.0
        row.result_sealed = sealer.seal(key, dossier, "dossiers.result", dossier, result)
    d = agent.get(f"/dossiers/{dossier}").json()["documents"][0]
    prov = d["provenance"]["nombre_parts"]
    assert (
        d["fields"]["nombre_parts"] == 2.5
        and prov["machine_value"] == 3.0
        and prov["machine_changed"]
    )
    assert any(c["code"] == "agent.desaccord" and not c["ok"] for c in d["checks"])
    assert "desaccord_agent_machine" in d["review"]["reasons"]


def test_corrected_values_feed_eligibility(service: Harness, sample_pdf: bytes) -> None:
    dossier, _file_id, body = _dossier_with(service, sample_pdf)
    doc = body["documents"][0]
    agent = service.client("agent")
    household = json.loads((SAMPLES / "avis_2025_seul_2p.household.json").read_text())
    assert agent.put(f"/dossiers/{dossier}/household", json=household).status_code == 200
    before = agent.get(f"/dossiers/{dossier}/eligibility").json()
    revenus = [
        *doc["fields"].get("revenus", []),
        {"categorie": "revenus_fonciers", "declarant": None, "montant": 50000},
    ]
    r = agent.patch(
        f"/dossiers/{dossier}/documents/{doc['id']}/fields/revenus",
        json={"value": revenus, "reason": "Revenus fonciers omis par la lecture."},
    )
    assert r.status_code == 200, r.text
    after = agent.get(f"/dossiers/{dossier}/eligibility").json()
    assert after["ressources_retenues"] > before["ressources_retenues"]
    assert after["decision"] == "non_eligible"


def test_page_images(service: Harness, sample_pdf: bytes) -> None:
    dossier, file_id, _body = _dossier_with(service, sample_pdf)
    url = f"/dossiers/{dossier}/files/{file_id}/pages/1.png"
    for who in ("agent", "qa"):
        r = service.client(who).get(url, params={"dpi": 60})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "image/png" and r.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert "no-store" in r.headers["cache-control"]
    small = service.client("agent").get(url, params={"dpi": 50}).content
    large = service.client("agent").get(url, params={"dpi": 100}).content
    assert len(large) > len(small)
    assert service.client("pipe_a").get(url).status_code == 403
    assert service.client("pipe_b").get(url).status_code == 403
    assert service.client(None).get(url).status_code == 401
    agent = service.client("agent")
    assert agent.get(url, params={"dpi": 10}).status_code == 422
    assert agent.get(url, params={"dpi": 1000}).status_code == 422
    assert agent.get(f"/dossiers/{dossier}/files/{file_id}/pages/99.png").status_code == 404
    assert agent.get(f"/dossiers/{dossier}/files/{'0' * 32}/pages/1.png").status_code == 404
    assert agent.get(f"/dossiers/{'0' * 32}/files/{file_id}/pages/1.png").status_code == 404


def test_page_image_of_a_photo(service: Harness) -> None:
    photos = sorted((SAMPLES / "photo_avis_2023_retraitee_2p").glob("*.jpg"))
    if not photos:
        pytest.skip("pas de photo d'exemple")
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    r = service.upload(c, dossier, photos[0].name, photos[0].read_bytes())
    assert r.status_code == 202
    png = service.client("agent").get(
        f"/dossiers/{dossier}/files/{r.json()['file_id']}/pages/1.png"
    )
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"


def test_queue_statuses_filters_and_cursor(service: Harness, sample_pdf: bytes) -> None:
    agent = service.client("agent")
    declaration = (SAMPLES / "etranger_gb_sa302_2023.pdf").read_bytes()
    review_id, _f, body = _dossier_with(service, declaration, "sa302.pdf")
    assert body["documents"][0]["review"]["needs_review"] is True
    plain_id, _f, _b = _dossier_with(service, sample_pdf)

    listing = agent.get("/dossiers", params={"status": "needs_review", "limit": 1000}).json()
    ids = [d["id"] for d in listing["dossiers"]]
    assert review_id in ids and plain_id not in ids
    assert all(d["status"] == "needs_review" for d in listing["dossiers"])
    created = [d["created_at"] for d in listing["dossiers"]]
    assert created == sorted(created)  # oldest first
    assert listing["counts"]["needs_review"] >= 1
    # Existing keys stay.
    default = agent.get("/dossiers").json()
    assert all({"id", "created_at"} <= set(d) for d in default["dossiers"])

    kinds = agent.get("/dossiers", params={"kind": "justificatif_etranger", "limit": 1000}).json()
    assert review_id in [d["id"] for d in kinds["dossiers"]] and plain_id not in [
        d["id"] for d in kinds["dossiers"]
    ]
    future = agent.get("/dossiers", params={"created_since": "2999-01-01"}).json()
    assert future["dossiers"] == []
    assert agent.get("/dossiers", params={"since": "2999-01-01T00:00:00Z"}).json()["dossiers"] == []
    assert review_id in [
        d["id"]
        for d in agent.get("/dossiers", params={"since": "2000-01-01", "limit": 1000}).json()[
            "dossiers"
        ]
    ]
    assert agent.get("/dossiers", params={"created_since": "hier"}).status_code == 422
    assert agent.get("/dossiers", params={"status": "inconnu"}).status_code == 422
    assert agent.get("/dossiers", params={"cursor": "%%%"}).status_code == 422

    # Cursor: pages of one, no overlap, all seen.
    seen: list[str] = []
    cursor = None
    for _ in range(200):
        params: dict[str, Any] = {"limit": 1, "order": "oldest"}
        if cursor:
            params["cursor"] = cursor
        page = agent.get("/dossiers", params=params).json()
        seen += [d["id"] for d in page["dossiers"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) and {review_id, plain_id} <= set(seen)

    # A decision takes the dossier out of the queue.
    doc_id = body["documents"][0]["id"]
    assert (
        agent.post(
            f"/dossiers/{review_id}/documents/{doc_id}/decision",
            json={"status": "rejected", "reason": "Justificatif trop ancien."},
        ).status_code
        == 200
    )
    listing = agent.get("/dossiers", params={"status": "needs_review", "limit": 1000}).json()
    assert review_id not in [d["id"] for d in listing["dossiers"]]
    reviewed = agent.get("/dossiers", params={"status": "reviewed", "limit": 1000}).json()
    assert review_id in [d["id"] for d in reviewed["dossiers"]]
    # The pipeline lists only its own dossiers.
    assert review_id not in [
        d["id"] for d in service.client("pipe_b").get("/dossiers").json()["dossiers"]
    ]


def test_delete_leaves_no_review_rows(service: Harness, sample_pdf: bytes) -> None:
    dossier, _file_id, body = _dossier_with(service, sample_pdf)
    doc_id = body["documents"][0]["id"]
    agent = service.client("agent")
    assert (
        agent.patch(
            f"/dossiers/{dossier}/documents/{doc_id}/fields/nombre_parts",
            json={"value": 1.5, "reason": "r"},
        ).status_code
        == 200
    )
    assert (
        agent.post(
            f"/dossiers/{dossier}/documents/{doc_id}/decision",
            json={"status": "accepted", "reason": "r"},
        ).status_code
        == 200
    )
    assert agent.delete(f"/dossiers/{dossier}").status_code == 204
    from service.review_tables import AuditEntry, Correction, Decision

    with service.db.read() as s:
        for table in (Correction, Decision, AuditEntry):
            assert (
                s.scalar(select(func.count()).select_from(table).where(table.dossier_id == dossier))
                == 0
            )
    assert agent.get(f"/dossiers/{dossier}/audit").status_code == 404


def test_openapi_is_typed_and_docs_render_offline(service: Harness) -> None:
    c = service.client(None)
    spec = c.get("/openapi.json").json()
    assert "ErrorBody" in spec["components"]["schemas"]
    paths = spec["paths"]
    patch = paths["/dossiers/{dossier_id}/documents/{doc}/fields/{name}"]["patch"]
    assert {"401", "403", "404", "422"} <= set(patch["responses"])
    assert patch["responses"]["403"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorBody"
    )
    upload = paths["/dossiers/{dossier_id}/files"]["post"]
    assert {"401", "403", "404", "413", "415", "422"} <= set(upload["responses"])
    assert paths["/dossiers"]["get"]["responses"]["200"]["content"]["application/json"]["schema"][
        "$ref"
    ].endswith("/DossierList")
    assert "/agent/" not in paths
    docs = c.get("/docs")
    if docs.status_code == 503:
        pytest.skip("swagger-ui-dist absent (make setup)")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower()
    assert "/docs/static/swagger-ui-bundle.js" in docs.text
    assert c.get("/docs/static/swagger-ui-bundle.js").status_code == 200
    assert c.get("/docs/static/swagger-ui.css").status_code == 200


def _sign_in(service: Harness, who: str) -> Any:
    import httpx

    web = httpx.Client(base_url=service.base_url, timeout=30, follow_redirects=False)
    page = web.get("/agent/connexion")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    r = web.post(
        "/agent/connexion", data={"csrf": token.group(1), "cle": KEYS[who][1], "suite": "/agent/"}
    )
    return web, r


def test_agent_pages_session_and_csrf(service: Harness, sample_pdf: bytes) -> None:
    import httpx

    anon = httpx.Client(base_url=service.base_url, timeout=30, follow_redirects=False)
    r = anon.get("/agent/")
    assert r.status_code == 303 and r.headers["location"].startswith("/agent/connexion")
    assert (
        anon.post("/agent/connexion", data={"cle": KEYS["agent"][1]}).status_code == 403
    )  # no CSRF token
    web, r = _sign_in(service, "pipe_a")
    assert r.status_code == 401  # a pipeline key does not open the agents' pages
    web, r = _sign_in(service, "agent")
    assert r.status_code == 303 and r.headers["location"] == "/agent/"
    cookie = r.headers["set-cookie"]
    assert (
        "docproc_agent=" in cookie
        and "HttpOnly" in cookie
        and "SameSite=strict" in cookie.replace("Strict", "strict")
    )
    assert KEYS["agent"][1] not in cookie
    queue = web.get("/agent/?status=")
    assert queue.status_code == 200 and "File des dossiers" in queue.text
    assert "Content-Security-Policy" in queue.headers

    dossier, _file_id, body = _dossier_with(service, sample_pdf)
    doc_id = body["documents"][0]["id"]
    page = web.get(f"/agent/dossiers/{dossier}")
    assert page.status_code == 200 and doc_id in page.text
    # Without the token, refused; a forged token too.
    for data in (
        {"champ": "nombre_parts", "valeur": "2", "motif": "m"},
        {"champ": "nombre_parts", "valeur": "2", "motif": "m", "csrf": "faux"},
    ):
        r = web.post(f"/agent/dossiers/{dossier}/documents/{doc_id}/correction", data=data)
        assert r.status_code == 403
    assert web.post(f"/agent/dossiers/{dossier}/relecture").status_code == 403
    assert service.client("agent").get(f"/dossiers/{dossier}/audit").json()["entries"] == []
    # What agents type is escaped in the pages.
    r = service.client("agent").patch(
        f"/dossiers/{dossier}/documents/{doc_id}/fields/adresse",
        json={"value": "<b>1 RUE</b>", "reason": "<script>alert(1)</script>"},
    )
    assert r.status_code == 200
    page = web.get(f"/agent/dossiers/{dossier}")
    assert (
        "<script>alert(1)</script>" not in page.text
        and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    )
    assert "<b>1 RUE</b>" not in page.text
    # QA reads, without forms.
    qa, r = _sign_in(service, "qa")
    assert r.status_code == 303
    qa_page = qa.get(f"/agent/dossiers/{dossier}")
    assert qa_page.status_code == 200 and "form-correction" not in qa_page.text
    # A tampered cookie is no session.
    forged = httpx.Client(
        base_url=service.base_url,
        timeout=30,
        follow_redirects=False,
        cookies={"docproc_agent": "A" * 80},
    )
    assert forged.get("/agent/").status_code == 303
    # Sign-out needs the token too, then the session is gone.
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    r = web.post("/agent/deconnexion", data={"csrf": token.group(1)})
    assert r.status_code == 303
    assert web.get("/agent/").status_code == 303


@pytest.mark.postgres
def test_review_on_postgresql(
    tmp_path: Any, redis_server: Any, postgres: Any, sample_pdf: bytes
) -> None:
    """Migration 0002 on PostgreSQL: correction, decision, audit, queue, and DELETE cascades."""
    from tests.service.conftest import harness

    with harness(tmp_path, redis_server.url, database_url=postgres.new_database()) as h:
        dossier, _file_id, body = _dossier_with(h, sample_pdf)
        doc_id = body["documents"][0]["id"]
        agent = h.client("agent")
        assert (
            agent.patch(
                f"/dossiers/{dossier}/documents/{doc_id}/fields/situation_famille",
                json={"value": "m", "reason": "Mariage en 2024."},
            ).status_code
            == 200
        )
        assert (
            agent.post(
                f"/dossiers/{dossier}/documents/{doc_id}/decision",
                json={"status": "accepted", "reason": "ok"},
            ).status_code
            == 200
        )
        d = agent.get(f"/dossiers/{dossier}").json()["documents"][0]
        assert d["fields"]["situation_famille"] == "M" and d["status"] == "accepted"
        assert len(agent.get(f"/dossiers/{dossier}/audit").json()["entries"]) == 2
        assert dossier in [
            x["id"]
            for x in agent.get("/dossiers", params={"status": "reviewed"}).json()["dossiers"]
        ]
        assert agent.delete(f"/dossiers/{dossier}").status_code == 204
        from service.review_tables import AuditEntry, Correction, Decision

        with h.db.read() as s:
            for table in (Correction, Decision, AuditEntry):
                assert s.scalar(select(func.count()).select_from(table)) == 0
