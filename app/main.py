"""The app factory: `create_app(settings)`; `app` is what uvicorn serves."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from threadpoolctl import threadpool_limits

from app import __version__, api_docs, errors, security
from app.config import Settings
from app.jobs import make_trainer
from app.lab.manager import LabRuns
from app.middleware import BodyLimit, SecurityHeaders
from app.network_settings import NetworkSettings
from app.recognition import ModelCache
from app.routes import ROUTERS
from app.routes.pages import frontend_dir
from app.store import DB_FILE, open_store

log = logging.getLogger("hwr")
__all__ = ["DB_FILE", "app", "create_app", "open_store"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """A configured app; the store opens, the trainer starts and the lab's runs are made in its
    lifespan (the one startup path)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(settings)
        store.ensure_recognizer("default", 12, NetworkSettings().model_dump())
        models = ModelCache(store)
        trainer = make_trainer(store, models, settings)
        trainer.recover()
        lab = LabRuns(settings.lab_max_runs, settings.lab_idle_seconds)
        loop = asyncio.get_running_loop()
        trainer.listeners.attach(loop)
        lab.listeners.attach(loop)
        app.state.store, app.state.models, app.state.trainer = store, models, trainer
        app.state.lab = lab
        # Check multiplies tiny matrices: BLAS threads only add contention on 2 cores.
        with threadpool_limits(limits=1):
            try:
                yield
            finally:
                await asyncio.to_thread(lab.close)
                await asyncio.to_thread(trainer.shutdown)
                store.close()

    app = FastAPI(
        title="hwr",
        version=__version__,
        summary="A handwriting recognizer you can train in the browser.",
        lifespan=lifespan,
        docs_url=None,  # app/api_docs.py serves /docs without a CDN; no /redoc
        redoc_url=None,
    )
    app.state.settings = settings
    errors.install(app)
    for router in ROUTERS:  # each on the app itself: a nested router is matched twice
        app.include_router(router)
    api_docs.install(app)
    app.mount("/static", StaticFiles(directory=frontend_dir("static")), name="static")

    # The last added runs first: headers on every answer, then the guards (Host, Origin,
    # token), then the body limit, before anything reads the body.
    app.add_middleware(
        BodyLimit, limit=settings.max_body_bytes, import_limit=settings.max_import_bytes
    )
    security.install(app, settings)
    app.add_middleware(SecurityHeaders)
    return app


app = create_app()
