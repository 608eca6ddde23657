"""Health (is the server up, which version, how busy) and the page's token session."""

from typing import Any

from fastapi import APIRouter, Request, Response

from app import __version__
from app.config import Settings
from app.deps import SettingsDep, TrainerDep
from app.security import COOKIE_MAX_AGE_S, COOKIE_PATH, session_cookie

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/health")
def health(trainer: TrainerDep, settings: SettingsDep) -> dict[str, Any]:
    return {
        "status": "ok",
        "version": __version__,
        "trainings": trainer.running(),
        "queued": trainer.queued(),
        "listeners": trainer.listeners.count(),
        # HWR_API_TOKEN is set: every other /api request needs it (docs/security.md).
        "token_required": settings.api_token is not None,
        # What a training request without limits gets (HWR_MAX_ITERATIONS, HWR_TARGET_MSE):
        # the page shows them in its empty limit fields (placeholders).
        "training_defaults": {
            "max_iterations": settings.max_iterations,
            "target_mse": settings.target_mse,
        },
    }


@router.post(
    "/session",
    status_code=204,
    responses={401: {"description": "missing or wrong API token (bearer header)"}},
)
def start_session(request: Request, settings: SettingsDep) -> Response:
    """Given the token (as a bearer header), the browser gets an HttpOnly, SameSite=Strict cookie
    that stands for it: the page asks once, and EventSource (which sends no headers) works."""
    response = Response(status_code=204)
    cookie = _session_cookie(request, settings)
    if cookie is not None:
        name, value = cookie
        response.set_cookie(
            name,
            value,
            max_age=COOKIE_MAX_AGE_S,
            path=COOKIE_PATH,
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
    return response


@router.delete("/session", status_code=204)
def end_session(request: Request, settings: SettingsDep) -> Response:
    """Forget this browser's session cookie (open without the token: it only removes one)."""
    response = Response(status_code=204)
    cookie = _session_cookie(request, settings)
    if cookie is not None:
        response.delete_cookie(cookie[0], path=COOKIE_PATH, httponly=True, samesite="strict")
    return response


def _session_cookie(request: Request, settings: Settings) -> tuple[str, str] | None:
    """This browser's session cookie (name, value); None when the server has no token."""
    if settings.api_token is None:
        return None
    return session_cookie(settings.api_token.get_secret_value(), request.headers.get("host", ""))
