"""HTTP: POST /api/v1/compat/check (stateless; the same engine as `accord compat check`)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from accord.auth.dependencies import ReadPrincipal
from accord.compat import SchemaError, check_history
from accord.compat_api.schemas import CheckRequest, CheckResponse
from accord.exceptions import ValidationFailedError
from accord.problems import STANDARD_ERRORS

router = APIRouter(prefix="/api/v1/compat", tags=["compat"], responses=STANDARD_ERRORS)


@router.post("/check")
async def check_compatibility(body: CheckRequest, principal: ReadPrincipal) -> CheckResponse:
    """Decide compatibility between schemas (read scope; nothing is stored). `compatible`
    is the requested mode's outcome; every mode's outcome, the changes and a witness for
    each incompatibility are included. Invalid schemas and remote `$ref`s are 422."""
    history = body.history if body.history is not None else [body.old]
    try:
        # The engine is CPU-bound; keep the event loop free for other requests.
        verdict = await asyncio.to_thread(
            check_history,
            history,
            body.new,
            mode=body.mode.value,
            content_model=body.content_model,
            fmt=body.format,
            assert_formats=body.assert_formats,
        )
    except SchemaError as exc:
        raise ValidationFailedError(str(exc), code="invalid_schema") from None
    return CheckResponse.model_validate(verdict.to_dict())
