"""All routers, in the order they appear in the OpenAPI document."""

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
ROUTERS = (meta, settings, recognizers, samples, labels, training, network, check, transfer, pages)
for module in ROUTERS:
    api_router.include_router(module.router)
api_router.include_router(lab_router)  # the lab (API.md, Lab v1.1)
