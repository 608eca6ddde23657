"""All routers, in the order they are matched and appear in the OpenAPI document.

A request is matched against the routes one after another (tens of microseconds per router
passed), so Check, the hot path, comes right after the health probe: at its old place, after
six routers, matching cost it ~4x more than the probe. The app includes each router itself
(app.main): FastAPI matches a router nested in another twice, once to choose it, once inside."""

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

MODULES = (meta, check, settings, recognizers, samples, labels, training, network, transfer, pages)
ROUTERS: tuple[APIRouter, ...] = (
    *(module.router for module in MODULES),
    lab_router,  # the lab (API.md, Lab v1.1)
)
