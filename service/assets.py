"""Front-end assets served by the app itself, never from a CDN (issue 13): the État's design
system (npm ``@gouvfr/dsfr``) for the agents' pages, and Swagger UI (npm ``swagger-ui-dist``)
for ``/docs``. ``make setup`` installs them with npm into ``node_modules/`` at the repository
root; ``DOCPROC_NODE_MODULES`` points elsewhere.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("docproc.api")

ROOT = Path(__file__).resolve().parent.parent


def node_modules() -> Path:
    return Path(os.environ.get("DOCPROC_NODE_MODULES") or ROOT / "node_modules")


def dsfr_dir() -> Path | None:
    path = node_modules() / "@gouvfr" / "dsfr" / "dist"
    if not (path / "dsfr.min.css").exists():
        log.warning(
            "DSFR absent (npm @gouvfr/dsfr; lancez make setup) : pages des agents sans style"
        )
        return None
    return path


def swagger_dir() -> Path | None:
    path = node_modules() / "swagger-ui-dist"
    return path if (path / "swagger-ui-bundle.js").exists() else None


def install_docs(app: FastAPI) -> None:
    """``/docs`` with Swagger UI's files served locally (it renders offline)."""
    from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
    from fastapi.responses import HTMLResponse, PlainTextResponse
    from fastapi.staticfiles import StaticFiles

    swagger = swagger_dir()

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        if swagger is None:
            return HTMLResponse(
                "<p>Swagger UI absent : lancez <code>make setup</code> (npm swagger-ui-dist). "
                'Le schéma est à <a href="/openapi.json">/openapi.json</a>.</p>',
                status_code=503,
            )
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/docs/static/favicon-32x32.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> PlainTextResponse:
        return PlainTextResponse(
            "ReDoc n'est pas servi (il viendrait d'un CDN) : voir /docs ou /openapi.json.",
            status_code=404,
        )

    if swagger is not None:
        app.mount("/docs/static", StaticFiles(directory=str(swagger)), name="swagger-ui")
