"""The agents' pages in a real Chromium (Debian's ``chromium``, driven by Playwright; nothing
is downloaded at run time): sign in, queue, a scanned dossier with its page images (and the
fields' boxes when the provenance has them), a correction, a decision, a re-extraction that
keeps the agent's value, sign-out, and a form refused without its CSRF token.

A screenshot of the dossier page is written to a temporary folder; its path is printed.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.service.conftest import KEYS, SAMPLES, Harness

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.ocr]

SCAN = SAMPLES / "scan_avis_2025_seul_2p" / "avis.pdf"
# A function, not an expression: the pages' CSP forbids eval.
ALL_IMAGES_LOADED = "() => Array.from(document.querySelectorAll('.page-image img')).every(i => i.complete && i.naturalWidth > 0)"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("chromium absent (paquet Debian chromium, installé par make setup)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def scanned_dossier(service: Harness) -> dict[str, Any]:
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    r = service.upload(c, dossier, "avis-scanne.pdf", SCAN.read_bytes())
    assert r.status_code == 202, r.text
    assert service.wait_job(c, r.json()["job_id"], timeout=120)["status"] == "finished"
    household = (SAMPLES / "avis_2025_seul_2p.household.json").read_bytes()
    assert (
        c.put(
            f"/dossiers/{dossier}/household",
            content=household,
            headers={"Content-Type": "application/json"},
        ).status_code
        == 200
    )
    body = service.client("agent").get(f"/dossiers/{dossier}").json()
    assert body["documents"], "le scan n'a donné aucun document"
    return body


def test_agent_reviews_a_scanned_dossier(
    service: Harness, browser: Any, scanned_dossier: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    dossier = scanned_dossier["id"]
    doc = next(d for d in scanned_dossier["documents"] if d["kind"] == "avis_impot_revenu")
    doc_id = doc["id"]
    has_boxes = any(
        isinstance(p, dict) and isinstance(p.get("bbox"), list) for p in doc["provenance"].values()
    )
    context = browser.new_context(
        base_url=service.base_url, locale="fr-FR", viewport={"width": 1400, "height": 1000}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    shot_dir = Path(tempfile.mkdtemp(prefix="docproc-agent-"))
    try:
        # Sign in (the page asked for first sends us there), keyboard first: the skip link.
        page.goto("/agent/")
        expect(page).to_have_url(re.compile(r"/agent/connexion"))
        expect(page.get_by_role("heading", name="Connexion à l'espace des agents")).to_be_visible()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Contenu"
        page.get_by_label("Clé d'agent").fill(KEYS["agent"][1])
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("heading", name="File des dossiers")).to_be_visible()

        # The queue, every status, then the dossier.
        page.get_by_label("Statut").select_option("")
        page.get_by_role("button", name="Filtrer").click()
        page.screenshot(path=str(shot_dir / "file.png"), full_page=True)
        page.get_by_role("link", name=f"Dossier {dossier[:8]}").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Dossier {dossier[:8]}")
        expect(page.locator("#eligibilite")).to_contain_text("CSS")  # the household is declared

        # The page images are there and loaded; the boxes when the provenance has them.
        section = page.locator(f"#document-{doc_id}")
        images = section.locator(".page-image img")
        assert images.count() == len(doc["pages"])
        for i in range(images.count()):
            images.nth(i).scroll_into_view_if_needed()
            page.wait_for_function(
                "(img) => img.complete && img.naturalWidth > 0", arg=images.nth(i).element_handle()
            )
            assert images.nth(i).evaluate("img => img.getBoundingClientRect().width") > 300
        boxes = section.locator(".bbox")
        if has_boxes:
            assert boxes.count() > 0
            assert boxes.first.evaluate("b => b.style.left.endsWith('%') && b.offsetWidth > 0")
        else:
            assert boxes.count() == 0

        # Correct a field, with a reason.
        machine = doc["fields"]["revenu_fiscal_reference"]
        corrected = machine + 111
        form = section.locator("form.form-correction")
        form.get_by_label("Champ").select_option("revenu_fiscal_reference")
        form.get_by_label("Nouvelle valeur").fill(str(corrected))
        form.get_by_label("Motif de la correction").fill(
            "Chiffre illisible sur le scan, vérifié sur l'original."
        )
        form.get_by_role("button", name="Enregistrer la correction").click()
        expect(page.locator("#notice")).to_contain_text("La correction a été enregistrée.")
        row = page.locator(f"#document-{doc_id} tr[data-champ=revenu_fiscal_reference]")
        expect(row.locator(".valeur")).to_have_text(f"{corrected:,}".replace(",", "\u202f"))
        expect(row.locator(".source-agent")).to_be_visible()

        # Accept the document.
        form = page.locator(f"#document-{doc_id} form.form-decision")
        form.locator(
            "label", has_text="Accepter le document"
        ).click()  # DSFR radios: the label is the target
        expect(form.get_by_label("Accepter le document")).to_be_checked()
        form.get_by_label("Motif de la décision").fill("Avis complet, lisible, signé (2D-Doc).")
        form.get_by_role("button", name="Enregistrer la décision").click()
        expect(page.locator("#notice")).to_contain_text("La décision a été enregistrée.")
        expect(page.locator(f"#document-{doc_id} .statut-document")).to_have_text("accepté")
        expect(page.locator("#journal")).to_contain_text("Chiffre illisible sur le scan")

        # A form posted without its CSRF token is refused (the session cookie alone is not enough).
        refused = page.request.post(
            f"/agent/dossiers/{dossier}/documents/{doc_id}/decision",
            form={"statut": "rejected", "motif": "sans jeton"},
        )
        assert refused.status == 403
        refused = page.request.post(f"/agent/dossiers/{dossier}/relecture", form={})
        assert refused.status == 403

        shot = shot_dir / "dossier.png"
        page.wait_for_function(ALL_IMAGES_LOADED)
        page.screenshot(path=str(shot), full_page=True)
        print(f"\nCapture de la page du dossier : {shot}")

        # Re-extract: progress until the job ends, then the agent's value is still there.
        page.get_by_role("button", name="Relancer la lecture du dossier").click()
        expect(page.locator("#relecture")).to_contain_text("Relecture")
        page.wait_for_url(re.compile(r"ok=relu"), timeout=180_000)
        expect(page.locator("#notice")).to_contain_text("La relecture est terminée.")
        row = page.locator(f"#document-{doc_id} tr[data-champ=revenu_fiscal_reference]")
        expect(row.locator(".valeur")).to_have_text(f"{corrected:,}".replace(",", "\u202f"))
        expect(row.locator(".valeur-machine")).to_have_text(f"{machine:,}".replace(",", "\u202f"))
        expect(page.locator(f"#document-{doc_id} .statut-document")).to_have_text("accepté")
        page.wait_for_function(ALL_IMAGES_LOADED)
        page.screenshot(path=str(shot_dir / "dossier-apres-relecture.png"), full_page=True)

        # Sign out: the pages ask for a key again.
        page.get_by_role("button", name="Se déconnecter").click()
        expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
        page.goto(f"/agent/dossiers/{dossier}")
        expect(page).to_have_url(re.compile(r"/agent/connexion"))
        assert not errors, errors
    finally:
        context.close()


def test_docs_render_offline(service: Harness, browser: Any) -> None:
    """/docs renders with every request outside the service refused (no CDN)."""
    from playwright.sync_api import expect

    context = browser.new_context(base_url=service.base_url)
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(service.base_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    try:
        if page.goto("/docs").status == 503:
            pytest.skip("swagger-ui-dist absent (make setup)")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("docproc", timeout=30_000)
        expect(page.locator(".opblock-summary-path").first).to_be_visible()
        page.goto("/agent/connexion")
        assert page.locator("link[rel=stylesheet]").count() >= 2
        if page.request.get("/agent/static/dsfr/dsfr.min.css").ok:  # DSFR installed by make setup
            assert page.evaluate("() => getComputedStyle(document.body).fontFamily").startswith(
                "Marianne"
            )
        assert not outside, outside
    finally:
        context.close()
