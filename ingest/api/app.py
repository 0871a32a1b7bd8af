"""The intake API application (DESIGN 3.8): ``create_app(settings) -> FastAPI``.

Routers are discovered: every module in :mod:`ingest.api.routers` that exposes ``router`` is included,
in module-name order, so another area adds an endpoint by adding a module (e.g.
``routers/stripe_webhooks.py`` for ``POST /v1/webhooks/stripe``) without editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

import ingest.api.routers as routers_package
from atom.opdb import make_engine, migrate
from atom.permissions import make_private_dirs, restrict_umask
from atom.settings import Settings, get_settings
from ingest.api.context import ApiConfig, ApiContext
from ingest.api.docs_pages import install_docs_pages
from ingest.api.errors import install_error_handlers
from ingest.api.key_throttle import KeyThrottle
from ingest.api.observability import ApiMetrics, RequestMiddleware, configure_logging
from ingest.api.shared_state import limiter_storage

API_VERSION = "1.0.0"
DESCRIPTION = """\
The front door of ATOM Marketplace: tenants report usage, publishers publish signed workflow packages.

Every call but `/healthz`, `/metrics` and the Stripe webhook needs `Authorization: Bearer <key>`
(`atom keys create`). A key acts only for its own subject: 401 without a valid key, 403 outside its
subject, 429 with `Retry-After` over the key's rate limit or after too many invalid keys from one
address. Errors are `{"reason", "detail"}`.
"""


def discover_routers() -> list[APIRouter]:
    found = []
    for info in sorted(pkgutil.iter_modules(routers_package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{routers_package.__name__}.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            found.append(router)
    return found


def operation_id(route: APIRoute) -> str:
    """The OpenAPI ``operationId`` of a route: its handler's name in camelCase (``list_packages`` ->
    ``listPackages``). FastAPI's default glues the path and method on (``list_packages_v1_packages_get``),
    which generated clients turn into unreadable method names that change whenever a path does."""
    head, *rest = route.name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def check_unique_operation_ids(app: FastAPI) -> None:
    """Two handlers with one name would share an operationId: refuse to start rather than serve that."""
    seen: dict[str, str] = {}
    for route in app.routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            op = operation_id(route)
            if op in seen:
                raise RuntimeError(
                    f"operationId {op!r} of {route.path} is also {seen[op]}'s: rename one handler"
                )
            seen[op] = route.path


def create_app(
    settings: Settings | None = None,
    config: ApiConfig | None = None,
    *,
    migrate_db: bool = True,
    key_throttle: KeyThrottle | None = None,
) -> FastAPI:
    """The API on ``settings`` (default: the environment's); migrates the operational DB to every head.
    ``key_throttle``: how many invalid keys an address may send (default: ingest.api.key_throttle's)."""
    settings = settings or get_settings()
    config = config or ApiConfig()
    configure_logging()
    make_private_dirs(settings.home, (settings.landing_dir, settings.artifacts_dir))
    if migrate_db:
        migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    metrics = ApiMetrics()
    ctx = ApiContext.build(settings, config, engine, metrics)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.recent_ids.close()
        engine.dispose()

    app = FastAPI(
        title="ATOM Marketplace intake API",
        version=API_VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        docs_url=None,  # served by install_docs_pages from local files, not from a CDN
        redoc_url=None,
    )
    app.state.ctx = ctx
    app.state.key_throttle = key_throttle or KeyThrottle(storage=limiter_storage(settings))
    install_error_handlers(app)
    for router in discover_routers():
        app.include_router(router)
    check_unique_operation_ids(app)
    install_docs_pages(app)
    upload_limit = config.archive_limits.max_compressed_bytes + config.multipart_overhead_bytes
    app.add_middleware(
        RequestMiddleware,
        metrics=metrics,
        body_limits={"/v1/usage": config.max_usage_body_bytes, "/v1/packages": upload_limit},
        default_body_limit=config.default_body_bytes,
        access_log=config.access_log,
    )
    return app


def openapi_document(app: FastAPI | None = None) -> dict[str, object]:
    """The OpenAPI document as served at /openapi.json (docs/openapi.json is this, committed)."""
    return (app or create_app(migrate_db=False)).openapi()


def create_served_app() -> FastAPI:
    """Factory for ``atom serve`` (uvicorn ``factory=True``): the CLI migrates once before starting
    workers, so workers starting together do not race on the migration. Also the entry point of a server
    started without the CLI (a container's uvicorn), so it sets the private umask itself."""
    restrict_umask()
    return create_app(migrate_db=False)
