"""The pages of the app (jinja2, autoescaped): the recognizer at /, the lab at /lab; and the
JavaScript recognizer at /hwr-recognizer.js."""

from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app import __version__
from app.schema_types import LABEL_MAX, NAME_MAX


def frontend_dir(name: str) -> Path:
    """`static` or `templates`: inside the installed package (a wheel carries them as
    app/static, app/templates), else at the repository root (a checkout, an editable install)."""
    package = Path(__file__).resolve().parents[1]
    installed = package / name
    return installed if installed.is_dir() else package.parent / name


TEMPLATES = Jinja2Templates(directory=frontend_dir("templates"))
STATIC = StaticFiles(directory=frontend_dir("static"))
MODULE = "hwr-recognizer.js"
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    limits = {"label_max": LABEL_MAX, "name_max": NAME_MAX}  # the fields' maxlength
    return TEMPLATES.TemplateResponse(request, "index.html", {"version": __version__, **limits})


@router.get("/lab", response_class=HTMLResponse)
def lab(request: Request) -> HTMLResponse:
    """The lab: the backprop demos on the same engine (static/js/lab/)."""
    return TEMPLATES.TemplateResponse(request, "lab.html", {"version": __version__})


@router.api_route(f"/{MODULE}", methods=["GET", "HEAD"])
async def recognizer_module(request: Request) -> Response:
    """static/hwr-recognizer.js at the short address API.md names, for other pages to import.

    no-cache: a browser revalidates (ETag, 304) before each use, so it never runs an older
    module than the server that wrote the models it reads."""
    response = await STATIC.get_response(MODULE, request.scope)
    response.headers["cache-control"] = "no-cache"
    if response.status_code == 200:  # not a 304
        response.headers["content-type"] = "text/javascript; charset=utf-8"
    return response
