"""The FastAPI application: created by :func:`create_app` (``yizhan serve`` runs it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors, limits, openapi, static
from api.deps import make_pool
from api.headers import HeadAsGet, SecurityHeaders
from api.light import CacheDefault, Compress
from api.middleware import RateLimitMiddleware, RequestLogMiddleware, configure_logging
from api.routes import ROUTERS
from geo.db.connection import database_url
from geo.import_jobs import ImportJobs
from geo.settings import get_settings
from geo.siting.jobs import PlanJobs


def create_app(url: str | None = None) -> FastAPI:
    """Build the app. ``url`` overrides the database URL (tests pass theirs)."""
    settings = get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db_url = url or database_url(settings)
        pool = make_pool(
            db_url,
            settings.database.pool_min,
            settings.database.pool_max,
            settings.database.pool_timeout_s,
        )
        pool.open(wait=False)
        app.state.pool = pool
        jobs = ImportJobs(db_url, settings.imports)
        jobs.start()
        app.state.import_jobs = jobs
        plan_jobs = PlanJobs(db_url, settings.siting)
        plan_jobs.start()
        app.state.plan_jobs = plan_jobs
        try:
            yield
        finally:
            plan_jobs.close()
            jobs.close()
            pool.close()

    app = FastAPI(
        title="Yizhan 驿站 API",
        description="爱心驿站、母婴室、职工书屋 — stations for outdoor workers, "
        "mother-and-baby rooms and worker bookshops.",
        version="0.1.0",
        lifespan=lifespan,
        # Served by api/routes/docs.py with assets from Yizhan (FastAPI's load a CDN).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    errors.install(app)
    configure_logging(settings.serving.log_json, settings.serving.log_level)
    # Middleware added first runs innermost: logs and limits see HEAD as HEAD, and the
    # security headers, added last, reach every answer (413 and 429 included).
    # Innermost, inside HeadAsGet: HEAD gets the compressed answer's headers, as GET (#14).
    if settings.serving.compress:
        app.add_middleware(Compress, minimum_size=settings.serving.compress_min_bytes)
    app.add_middleware(HeadAsGet)
    if settings.serving.rate_limit_per_minute > 0:
        app.add_middleware(
            RateLimitMiddleware,
            per_minute=settings.serving.rate_limit_per_minute,
            burst=settings.serving.rate_limit_burst,
            workers=settings.serving.workers,
            trust_forwarded=settings.serving.trust_forwarded,
        )
    app.add_middleware(RequestLogMiddleware, trust_forwarded=settings.serving.trust_forwarded)
    limits.install(app)
    app.add_middleware(SecurityHeaders, hsts_max_age_s=settings.serving.hsts_max_age_s)
    if settings.serving.hashed_assets:  # pages and the API revalidate (#14)
        app.add_middleware(CacheDefault)
    static.install(app)
    openapi.document_errors(app, ROUTERS)
    errors.index_routes(app, ROUTERS)
    for router in ROUTERS:
        app.include_router(router)
    return app
