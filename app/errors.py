"""The project's own request errors, and the map of exceptions to HTTP answers.

Only the project's own errors (and pydantic's request validation) become 4xx: no input may
produce a 500, and no bug may pass for the client's fault. Anything else, a ValueError from
deep inside included, is a 500 with its traceback in the log.
"""

import logging
import math
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.export_onnx import ExportError
from app.nn.network import ModelFormatError
from app.store import Conflict, LimitReached, NotFound, StoreError

log = logging.getLogger("hwr")
FASTAPI_PARSE_ERROR = "There was an error parsing the body"


class TrainingConflict(Exception):
    """A training is queued or running for this recognizer: it must end (or be stopped) first."""


class NoModel(Exception):
    """The recognizer has no trained model to use (API.md: 409 "no trained model")."""


class Invalid(Exception):
    """The project's validation error: a request that parsed but is wrong in a way found
    after parsing (a lab run's samples, a setting for another task). A 422 whose `detail` is
    one sentence naming the field."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


class NotEnoughLabels(Invalid):
    """Training needs samples of at least two labels."""

    def __init__(self, message: str) -> None:
        super().__init__(None, message)


def _text(value: str) -> str:
    """A lone surrogate ("\\ud800" in JSON) can't be encoded as UTF-8: it becomes "?"."""
    return value.encode("utf-8", "replace").decode("utf-8")


def _json_safe(value: Any) -> Any:
    """Inputs echoed in errors may hold NaN, bytes or lone surrogates, which JSON cannot carry."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return _text(value if len(value) <= 200 else value[:200] + "…")
    if isinstance(value, int | float | bool) or value is None:
        return value
    return None


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    """pydantic errors with `loc`, `msg`, `type` and a JSON-safe, short `input`."""
    out = []
    for err in errors:
        item = {
            "loc": [_text(str(p)) if not isinstance(p, int) else p for p in err.get("loc", ())],
            "msg": _text(str(err.get("msg", "invalid"))),
            "type": str(err.get("type", "value_error")),
        }
        if "input" in err:
            item["input"] = _json_safe(err["input"])
        out.append(item)
    return out


def unprocessable(field: str, message: str) -> RequestValidationError:
    """A 422 in the same shape as pydantic's, for checks made after parsing (limits)."""
    return RequestValidationError([{"loc": ("body", field), "msg": message, "type": "value_error"}])


def _document_string_details(app: FastAPI) -> None:
    """A 422 from a check made after parsing (Invalid: fewer than 2 labels; ModelFormatError: a
    model's shapes) carries one sentence, not pydantic's list: say so in the OpenAPI document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        schema = generate()  # FastAPI builds it once and keeps it
        error = schema.get("components", {}).get("schemas", {}).get("HTTPValidationError")
        if fresh and error is not None:
            detail = error["properties"]["detail"]
            error["properties"]["detail"] = {
                "title": detail.pop("title", "Detail"),
                "anyOf": [detail, {"type": "string"}],
            }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


# The project's own errors, answered with their message as `detail`. Not ValueError: one from
# inside (numpy, a bug) is no client's fault.
PLAIN_STATUS: dict[type[Exception], int] = {
    NotFound: 404,
    Conflict: 409,
    LimitReached: 409,  # HWR_MAX_SAMPLES, HWR_MAX_RECOGNIZERS: nothing was stored
    TrainingConflict: 409,
    NoModel: 409,
    Invalid: 422,  # NotEnoughLabels too
    ModelFormatError: 422,  # an imported model that does not fit
    ExportError: 422,  # a model the ONNX export cannot express
}


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    _document_string_details(app)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_errors(exc.errors())}, status_code=422)

    async def _plain(_: Request, exc: Exception) -> JSONResponse:
        status = next(code for cls, code in PLAIN_STATUS.items() if isinstance(exc, cls))
        return JSONResponse({"detail": str(exc)}, status_code=status)

    for exc_class in PLAIN_STATUS:
        app.add_exception_handler(exc_class, _plain)

    @app.exception_handler(StoreError)
    async def _store_error(_: Request, exc: StoreError) -> JSONResponse:
        # The database failed (disk full, I/O error): nothing was written; try again later.
        log.error("store error: %s", exc)
        return JSONResponse({"detail": f"storage unavailable: {exc}"}, status_code=503)

    @app.exception_handler(RedisError)
    async def _broker_error(_: Request, exc: RedisError) -> JSONResponse:
        # Scale-out mode with Redis away: the training queue and statuses are out of reach.
        log.error("broker error: %s", exc)
        return JSONResponse(
            {"detail": f"the training queue (Redis, HWR_BROKER_URL) is unreachable: {exc}"},
            status_code=503,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == FASTAPI_PARSE_ERROR and exc.__cause__:
            # Bad UTF-8, nesting too deep, a 5000-digit number: invalid JSON like any other, so
            # a 422 that says what is wrong (FastAPI's 400 says only that parsing failed).
            problem = {
                "loc": ("body",),
                "msg": f"invalid JSON: {exc.__cause__}",
                "type": "json_invalid",
            }
            return JSONResponse({"detail": validation_errors([problem])}, status_code=422)
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = uuid.uuid4().hex[:12]
        log.exception(
            "unexpected error, request id %s: %s %s",
            request_id,
            request.method,
            request.url.path,
            exc_info=exc,
        )
        return JSONResponse(
            {"detail": f"internal error (request id {request_id})", "request_id": request_id},
            status_code=500,
        )


__all__ = [
    "Invalid",
    "ModelFormatError",
    "NoModel",
    "NotEnoughLabels",
    "TrainingConflict",
    "install",
    "unprocessable",
]
