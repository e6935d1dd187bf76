"""Errors under /ui are pages, not problem+json: the API's handlers decide the status and
the words (one mapping for both), this turns their answer into HTML."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.types import Scope

from accord.kit.context import current_request_id
from accord.web.deps import SignInRequiredError
from accord.web.templating import render

Handler = Callable[[Request, Exception], Awaitable[Response] | Response]


def is_ui(request: Request) -> bool:
    path = request.url.path
    return path == "/ui" or path.startswith("/ui/")


def _problem(response: Response) -> dict[str, Any]:
    try:
        body = json.loads(bytes(response.body))
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _as_page(original: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        answer = original(request, exc)
        response = await answer if not isinstance(answer, Response) else answer
        if not is_ui(request):
            return response
        problem = _problem(response)
        page = render(
            request,
            "error.html",
            {
                "status": response.status_code,
                "title": problem.get("title", "Error"),
                "detail": problem.get("detail", ""),
                "request_id": problem.get("request_id"),
            },
            status_code=response.status_code,
        )
        for name in ("Retry-After", "Allow"):
            if name in response.headers:
                page.headers[name] = response.headers[name]
        return page

    return handle


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequiredError)
    target = "/ui/login"
    if exc.next_path not in ("/ui", "/ui/", "/ui/inbox"):
        target += "?next=" + quote(exc.next_path, safe="/")
    if request.headers.get("hx-request"):
        # htmx follows redirects inside the swap; send the whole page to sign in instead
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def refusal_page(scope: Scope, status: int, title: str, detail: str) -> Response | None:
    """The page for a request the body middleware refuses before any route (a form too
    large, a NUL character) when it is the UI's; None for the API's (problem+json)."""
    request = Request(scope)
    if not is_ui(request):
        return None
    context = {"status": status, "title": title, "detail": detail}
    return render(
        request, "error.html", {**context, "request_id": current_request_id()}, status_code=status
    )


def install(app: FastAPI) -> None:
    """Wrap every installed error handler so /ui paths answer with an HTML page."""
    for exc_class, handler in list(app.exception_handlers.items()):
        app.add_exception_handler(exc_class, _as_page(handler))
    app.add_exception_handler(SignInRequiredError, _sign_in_required)
