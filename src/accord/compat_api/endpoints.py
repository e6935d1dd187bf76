"""HTTP: POST /api/v1/compat/check (stateless; the same engine as `accord compat check`)."""

from __future__ import annotations

from fastapi import APIRouter

from accord.auth.dependencies import ReadPrincipal
from accord.compat import SchemaError, check_history
from accord.compat_api.schemas import CheckRequest, CheckResponse
from accord.deps import StateDep, engine_for
from accord.exceptions import ServiceUnavailableError, ValidationFailedError
from accord.problems import STANDARD_ERRORS, problem_responses
from accord.telemetry.metrics_engine import timed

router = APIRouter(
    prefix="/api/v1/compat",
    tags=["compat"],
    responses={**STANDARD_ERRORS, **problem_responses(429, 503)},
)


@router.post("/check")
async def check_compatibility(
    body: CheckRequest, principal: ReadPrincipal, state: StateDep
) -> CheckResponse:
    """Decide compatibility between schemas (read scope; nothing is stored). `compatible`
    is the requested mode's outcome; every mode's outcome, the changes and a witness for
    each incompatibility are included. Invalid schemas and remote `$ref`s are 422. A check
    that needs more than `ACCORD_COMPAT_TIMEOUT_S` is 503 (`engine_timeout`); a key may run
    `ACCORD_COMPAT_PER_KEY_CONCURRENCY` checks at once (429 beyond)."""
    history = body.history if body.history is not None else [body.old]
    try:
        # The engine is CPU-bound: it runs on the engine's pool, within its budget.
        verdict = await timed(engine_for(state, principal))(
            check_history,
            history,
            body.new,
            mode=body.mode.value,
            content_model=body.content_model,
            fmt=body.format,
            assert_formats=body.assert_formats,
            dialect=body.dialect,
        )
    except SchemaError as exc:
        raise ValidationFailedError(str(exc), code="invalid_schema") from None
    if verdict.exhausted:
        raise ServiceUnavailableError(
            f"the check needs more than the engine's time budget of "
            f"{state.settings.compat_timeout_s:g} s (ACCORD_COMPAT_TIMEOUT_S); simplify the "
            "schemas or run `accord compat check` locally",
            code="engine_timeout",
        )
    return CheckResponse.model_validate(verdict.to_dict())
