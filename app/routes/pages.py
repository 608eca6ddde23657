"""The pages of the app (jinja2, autoescaped): the recognizer at /, the lab at /lab."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
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
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    limits = {"label_max": LABEL_MAX, "name_max": NAME_MAX}  # the fields' maxlength
    return TEMPLATES.TemplateResponse(request, "index.html", {"version": __version__, **limits})


@router.get("/lab", response_class=HTMLResponse)
def lab(request: Request) -> HTMLResponse:
    """The lab: the backprop demos on the same engine (static/js/lab/)."""
    return TEMPLATES.TemplateResponse(request, "lab.html", {"version": __version__})
