"""The API's documentation page, /docs (Swagger UI), from the server itself.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script: a blank page
without internet, and a looser Content-Security-Policy. Here the fastapi-offline package ships
Swagger UI's files (its static/ folder, served at /docs/assets), templates/api-docs.html is the
page and static/js/api-docs.js starts it, under the same policy as every other page; that script
and static/css/api-docs.css mend what axe-core finds in Swagger UI (tests/browser/test_audit.py).

FastAPI's /redoc is off: ReDoc's bundle fetches its logo from Redocly's CDN (hard-coded) and
injects its styles inline, and one documentation page of the same OpenAPI document is enough."""

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.routes.pages import TEMPLATES

ASSETS = Path(fastapi_offline.__file__).parent / "static"


def install(app: FastAPI) -> None:
    """/docs and its files, on an app made with docs_url=None and redoc_url=None."""
    app.mount("/docs/assets", StaticFiles(directory=ASSETS), name="api-docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        openapi_url = request.scope.get("root_path", "") + str(app.openapi_url)
        context = {"version": __version__, "openapi_url": openapi_url}
        return TEMPLATES.TemplateResponse(request, "api-docs.html", context)
