"""The OpenAPI document: every error status an operation can answer is documented.

`install` wraps FastAPI's generator (served at /openapi.json); `python -m accord.openapi`
rewrites the committed openapi.json from the same function.

Which problem+json statuses apply is decided here, once, from what the middleware and
the handlers do to every request (routers may still add their own, e.g. a 503 or a
202, with their own description):

- 400 every operation: an invalid X-Request-ID; with a body, also malformed JSON or a bad
  Content-Length.
- 401, 403, 503 every authenticated operation (it declares `security`): no valid key;
  the key lacks the scope or the team right; the key could not be looked up.
- 404 operations that name something: a path parameter, an id filter or an id in the body.
- 408, 409, 413, 422 every operation that is not a GET: the body is read with a deadline
  and a size limit (`BodyLimitMiddleware`), any JSON body is checked for depth, and any
  write may conflict with the current state.
- 422 also every operation that takes parameters.
- 429 every operation the rate limiter counts (all but the health probes).
A status a rule does not give is removed where a router declared it wholesale
(`problems.STANDARD_ERRORS`), so the document never promises an answer that cannot come.

`forbid_nul` then states the one rule every request string is under: no U+0000
(`422 nul_character`, docs/security.md), as a `pattern` on each string a parameter or a
JSON body declares, so a request the document calls valid is not refused for it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from accord.config import Environment, Settings
from accord.problems import MEDIA_TYPE, PROBLEM_DESCRIPTIONS, Problem
from accord.ratelimit.identity import HEALTH_PATHS

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_READS = frozenset({"get", "head"})
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def error_statuses(
    path: str, method: str, operation: dict[str, Any], schemas: dict[str, Any]
) -> set[int]:
    """The problem statuses an operation can answer (see the module docstring)."""
    params = operation.get("parameters", [])
    body = "requestBody" in operation
    statuses = {400}
    if operation.get("security"):
        statuses |= {401, 403, 503}
    in_path = any(p.get("in") == "path" for p in params)
    id_filter = any(p.get("in") == "query" and _is_uuid(p.get("schema", {})) for p in params)
    if in_path or id_filter or _body_names_ids(operation, schemas):
        statuses.add(404)
    if method not in _READS:
        statuses |= {408, 409, 413, 422}
    if params or body:
        statuses.add(422)
    if path not in HEALTH_PATHS:
        statuses.add(429)
    return statuses


def _is_uuid(schema: dict[str, Any]) -> bool:
    branches = schema.get("anyOf", [schema])
    return any(b.get("format") == "uuid" for b in branches)


def _body_names_ids(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """The JSON body has an id property (top level): what it names may not exist."""
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    if ref:
        schema = schemas.get(ref.rsplit("/", 1)[-1], {})
    props = schema.get("properties", {}).values()
    return any(_is_uuid(p) or _is_uuid(p.get("items", {})) for p in props)


def _problem_entry(status: int) -> dict[str, Any]:
    return {
        "description": PROBLEM_DESCRIPTIONS[status],
        "content": {MEDIA_TYPE: {"schema": dict(_PROBLEM_REF)}},
    }


def _is_standard(entry: dict[str, Any], status: int) -> bool:
    """Declared wholesale by a router, not for this operation in particular."""
    return entry.get("description") == PROBLEM_DESCRIPTIONS.get(status) and MEDIA_TYPE in (
        entry.get("content") or {}
    )


def document_errors(doc: dict[str, Any]) -> dict[str, Any]:
    """Make each operation's error responses exactly the ones it can answer."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            wanted = error_statuses(path, method, operation, schemas)
            for status in PROBLEM_DESCRIPTIONS:
                key = str(status)
                entry = responses.get(key)
                if status in wanted:
                    if entry is None or MEDIA_TYPE not in (entry.get("content") or {}):
                        responses[key] = _problem_entry(status)
                elif entry is not None and _is_standard(entry, status):
                    del responses[key]
    schemas.setdefault(
        "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    return doc


# ECMA-262 (and Python) regex: any string without U+0000.
NO_NUL = "^[^\\u0000]*$"
_NESTED = (
    "items", "additionalProperties", "propertyNames", "anyOf", "oneOf", "allOf", "prefixItems",
)  # fmt: skip


def forbid_nul(doc: dict[str, Any]) -> dict[str, Any]:
    """Give every string schema a request can hold (parameters, and what its JSON body
    reaches through `$ref`s) the `NO_NUL` pattern, unless it has a pattern, an enum or a
    const of its own (those the server defines exclude U+0000 already: a test checks)."""
    schemas = doc.get("components", {}).get("schemas", {})
    done: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for each in node:
                walk(each)
            return
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[-1]
            if name not in done and name in schemas:
                done.add(name)
                walk(schemas[name])
        kind = node.get("type")
        string = kind == "string" or (isinstance(kind, list) and "string" in kind)
        if string and not {"pattern", "enum", "const"} & node.keys():
            node["pattern"] = NO_NUL
        for sub in (node.get("properties") or {}).values():
            walk(sub)
        for key in _NESTED:
            walk(node.get(key))

    for item in doc.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            for param in operation.get("parameters", []):
                walk(param.get("schema"))
            for media in operation.get("requestBody", {}).get("content", {}).values():
                walk(media.get("schema"))
    return doc


def install(app: FastAPI) -> None:
    """Serve the documented errors at /openapi.json (and in `render`)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = forbid_nul(document_errors(generate()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def render() -> str:
    from accord.app import create_app  # the app installs this module: import it late

    app = create_app(
        Settings(environment=Environment.test, log_level="error"), run_startup_checks=False
    )
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path("openapi.json")
    target.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
