"""The application factory: lifespan, middleware, routers, error handlers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.datastructures import Default
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from accord import __version__, openapi, problems
from accord.api_key import service as api_key_service
from accord.api_key.endpoints import router as api_keys_router
from accord.api_key.usage import UsageTracker
from accord.asset.endpoints import router as assets_router
from accord.audit.endpoints import router as audit_router
from accord.auth.cache import CredentialCache
from accord.auth.endpoints import router as me_router
from accord.auth.gate import principal_from_headers
from accord.compat_api.endpoints import router as compat_router
from accord.config import Settings, get_settings
from accord.contract.bodies import HotVersions
from accord.contract.endpoints import router as versions_router
from accord.contract.evaluate import keep_versions
from accord.db import create_engine, create_sessionmaker, session_scope
from accord.health.endpoints import router as health_router
from accord.imports.endpoints import router as imports_router
from accord.kit import invalidation_bus
from accord.kit.offload import Offload
from accord.lineage.endpoints import asset_router as lineage_asset_router
from accord.lineage.endpoints import router as lineage_router
from accord.logging import configure_logging
from accord.middleware import BodyLimitMiddleware, BodyLimits, RequestContextMiddleware
from accord.proposal.endpoints import router as proposals_router
from accord.ratelimit import RateLimitConfig, RateLimitMiddleware
from accord.registration.endpoints import router as registrations_router
from accord.startup import prepare
from accord.state import AppState
from accord.team.endpoints import router as teams_router
from accord.telemetry import metrics, tracing
from accord.validation.endpoints import router as validation_router
from accord.web import setup as web
from accord.webhook.endpoints import router as webhooks_router
from accord.worker.runner import Worker
from accord.worker.tasks import default_tasks
from accord.workspace.endpoints import router as workspace_router

log = structlog.get_logger("accord.app")


async def flush_usage(state: AppState) -> None:
    pending = state.usage.drain()
    if pending:
        async with session_scope(state.sessionmaker) as session:
            await api_key_service.flush_usage(session, pending)


async def _usage_loop(state: AppState) -> None:
    while True:
        await asyncio.sleep(state.settings.key_last_used_flush_s)
        try:
            await flush_usage(state)
        except Exception:  # keep the loop alive; the next tick retries
            log.exception("usage_flush_failed")


async def _shut_down(state: AppState, tasks: list[asyncio.Task[None]]) -> None:
    """Stop the worker, hand back what it holds, flush key usage: each step guarded, so a
    failed worker (or a database that is down) never aborts shutdown or skips the flush."""
    worker = state.worker
    if worker is not None:
        worker.stop()
        await asyncio.wait(tasks[1:], timeout=state.settings.webhook_timeout_s + 5)
        try:
            await worker.release()
        except Exception:
            log.exception("worker_release_failed")
    for task in tasks:
        task.cancel()
    for task in tasks:
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("background_task_failed")
    try:
        await flush_usage(state)
    except Exception:
        log.exception("usage_flush_failed", at="shutdown")


async def run_maintenance(state: AppState) -> None:
    """Run every scheduled task once, now (operators and tests)."""
    for _, task in default_tasks(state.settings).values():
        async with session_scope(state.sessionmaker) as session:
            await task(session)


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """The API router's routes, added to the application's own list as they are.

    `include_router` (FastAPI 0.16x) keeps each router as a unit matched at request time,
    router by router, which cost every API request ~15 us of its ~140 (issue 21). Our API
    routers carry everything on their routes already (full path, tags, responses) and no
    router-wide dependency, so adding the routes themselves serves the same operations
    (openapi.json is unchanged, `tests/test_openapi.py`) and routes like a flat app.
    """
    if router.dependencies or router.default_response_class != Default(JSONResponse):
        raise TypeError(f"{router.prefix}: router-wide settings need include_router")
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{router.prefix}: {route!r} needs include_router")
        app.router.routes.append(route)


def create_app(
    settings: Settings | None = None, *, run_startup_checks: bool = True, warm_engine: bool = False
) -> FastAPI:
    """The application. ``warm_engine`` starts the engine's worker processes at start-up
    (`accord serve`) rather than on the first check (~0.3 s)."""
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from accord.imports.runner import ImportRunner  # background dbt imports

        engine = create_engine(settings)
        state = AppState(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            usage=UsageTracker(),
            offload=Offload(
                workers=settings.compat_workers,
                per_key=settings.compat_per_key_concurrency,
                timeout_s=settings.compat_timeout_s,
                initializer=keep_versions,
                initargs=(settings.compat_cache_mb * 1024 * 1024,),
            ),
            credentials=CredentialCache(settings.auth_cache_ttl_s),
            versions=HotVersions(settings.read_cache_mb * 1024 * 1024, settings.read_cache_ttl_s),
        )
        bus: invalidation_bus.RedisInvalidationBus | None = None
        try:
            if run_startup_checks:
                await prepare(settings, engine, state.sessionmaker)
            if warm_engine:
                await state.offload.start()
            if settings.oidc_issuer is not None:
                from accord.auth.oidc.client import OidcClient

                state.oidc = OidcClient(settings)
            app.state.accord = state
            bus = invalidation_bus.start(settings)  # with ACCORD_REDIS_URL: to every process
            tasks = [asyncio.create_task(_usage_loop(state))]
            if settings.should_run_worker_in_process:
                state.worker = Worker(settings, state.sessionmaker, default_tasks(settings))
                tasks.append(asyncio.create_task(state.worker.run()))
            state.imports = ImportRunner(state)
            state.imports.start()  # resumes jobs whose process died, then scans periodically
            try:
                yield
            finally:
                try:  # cancels running imports (their chunks roll back) and hands them back
                    await state.imports.stop()
                except Exception:  # never abort shutdown
                    log.exception("import_runner_stop_failed")
                await _shut_down(state, tasks)
        finally:
            if bus is not None:
                await bus.stop()
            state.offload.shutdown()
            if state.oidc is not None:
                await state.oidc.aclose()
            await engine.dispose()

    docs = settings.docs_served
    app = FastAPI(
        title="Accord",
        version=__version__,
        summary="Data contract coordination: publish, check, propose, acknowledge.",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    problems.install(app)
    openapi.install(app)
    for router in (
        health_router,
        me_router,
        workspace_router,
        teams_router,
        api_keys_router,
        audit_router,
        assets_router,
        versions_router,
        registrations_router,
        proposals_router,
        lineage_router,
        lineage_asset_router,
        imports_router,
        webhooks_router,
        compat_router,
        validation_router,
    ):
        _add_routes(app, router)
    web.install(app, settings)  # after the API's routers and error handlers: it wraps them
    app.add_middleware(
        BodyLimitMiddleware,
        limits=BodyLimits(
            default=settings.max_body_bytes,
            unauthenticated=min(settings.unauthenticated_max_body_bytes, settings.max_body_bytes),
            write_routes={"/api/v1/imports/dbt": settings.max_manifest_bytes},
            read_timeout_s=settings.body_read_timeout_s,
            spool_bytes=settings.upload_spool_bytes,
            max_depth=settings.max_json_depth,
        ),
        authenticate=principal_from_headers,
        page=web.refusal_page(settings),
    )
    app.add_middleware(RateLimitMiddleware, config=RateLimitConfig.from_settings(settings))
    # Outside the limits: a 429 or 413 still carries the CORS headers a browser needs.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=settings.cors_allow_credentials,
            # Only what the API uses: browsers refuse anything else before sending it.
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After", "RateLimit", "RateLimit-Policy"],
            max_age=600,
        )
    metrics.install(app, settings)  # inside the request context: it sees every answer
    app.add_middleware(RequestContextMiddleware, https=settings.https)
    tracing.install(app, settings)  # outermost: the trace starts before anything else runs
    return app


def served_app() -> FastAPI:
    """What each process of `accord serve --workers N` runs: uvicorn's supervisor imports
    it by name in every child (settings from the environment, checks done by the parent)."""
    return create_app(get_settings(), run_startup_checks=False, warm_engine=True)
