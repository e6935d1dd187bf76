"""The application factory: API routes added flat, and the routers that cannot be."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import ORJSONResponse
from fastapi.routing import APIRoute

from accord.app import _add_routes, create_app
from tests.conftest import make_settings


def test_every_api_operation_is_a_route_of_the_application_itself(tmp_path: Path) -> None:
    app = create_app(
        make_settings(f"sqlite+aiosqlite:///{tmp_path}/a.db"), run_startup_checks=False
    )
    top = {r.path for r in app.router.routes if isinstance(r, APIRoute)}
    assert {"/api/v1/me", "/api/v1/assets/{asset_id}/versions/{version}"} <= top
    # Every operation openapi.json lists is matched without walking a router first.
    assert set(app.openapi()["paths"]) <= top


def _noop() -> None:
    return None


@pytest.mark.parametrize(
    "router",
    [
        APIRouter(prefix="/x", dependencies=[Depends(_noop)]),
        APIRouter(prefix="/x", default_response_class=ORJSONResponse),
    ],
    ids=["router-wide dependency", "router-wide response class"],
)
def test_a_router_with_router_wide_settings_is_refused(router: APIRouter) -> None:
    router.add_api_route("/y", _noop)
    with pytest.raises(TypeError, match="router-wide settings"):
        _add_routes(FastAPI(), router)


def test_a_router_holding_another_router_is_refused() -> None:
    inner = APIRouter(prefix="/inner")
    inner.add_api_route("/y", _noop)
    outer = APIRouter(prefix="/outer")
    outer.include_router(inner)
    with pytest.raises(TypeError, match="needs include_router"):
        _add_routes(FastAPI(), outer)
