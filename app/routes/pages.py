"""The pages of the app (jinja2, autoescaped): the recognizer at /, the lab at /lab."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app import __version__

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "index.html", {"version": __version__})


@router.get("/lab", response_class=HTMLResponse)
def lab(request: Request) -> HTMLResponse:
    """The lab: the backprop demos on the same engine (static/js/lab/)."""
    return TEMPLATES.TemplateResponse(request, "lab.html", {"version": __version__})
