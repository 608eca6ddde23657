"""All routers, in the order they are matched and appear in the OpenAPI document.

A request is matched against the routes one after another (tens of microseconds per router
passed), so Check, the hot path, comes right after the health probe: at its old place, after
six routers, matching cost it ~4x more than the probe."""

from fastapi import APIRouter

from app.routes import (
    check,
    labels,
    meta,
    network,
    pages,
    recognizers,
    samples,
    settings,
    training,
    transfer,
)
from app.routes.lab import router as lab_router

api_router = APIRouter()
ROUTERS = (meta, check, settings, recognizers, samples, labels, training, network, transfer, pages)
for module in ROUTERS:
    api_router.include_router(module.router)
api_router.include_router(lab_router)  # the lab (API.md, Lab v1.1)
