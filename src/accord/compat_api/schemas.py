"""I/O of the stateless compatibility check."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from accord.compat.model import SchemaDialect
from accord.kit.schemas import InputModel, OutputModel


class CheckMode(StrEnum):
    backward = "backward"
    forward = "forward"
    full = "full"
    none = "none"
    backward_transitive = "backward_transitive"
    forward_transitive = "forward_transitive"
    full_transitive = "full_transitive"


class CheckRequest(InputModel):
    old: Any = Field(default=None, description="The earlier schema (non-transitive modes).")
    history: list[Any] | None = Field(
        default=None,
        max_length=2000,
        description="Earlier versions, oldest first (instead of `old`; for transitive modes).",
    )
    new: Any = Field(description="The candidate schema.")
    mode: CheckMode = CheckMode.forward
    content_model: str = Field(default="lenient", pattern="^(strict|lenient)$")
    format: str = Field(default="auto", pattern="^(auto|jsonschema|table)$")
    assert_formats: bool = Field(default=False, description="Treat `format` as an assertion.")
    dialect: SchemaDialect | None = Field(
        default=None,
        description="JSON Schema draft of schemas with no `$schema` (default: inferred from "
        "the keywords used).",
    )

    @model_validator(mode="after")
    def _one_of(self) -> CheckRequest:
        if (self.old is None) == (self.history is None):
            raise ValueError("give exactly one of `old` or `history`")
        if self.history is not None and not self.history:
            raise ValueError("history needs at least one version")
        return self


class CheckResponse(OutputModel):
    compatible: bool
    mode: str
    content_model: str
    format: str
    verdicts: dict[str, dict[str, str]]
    changes: list[dict[str, Any]]
    witnesses: list[dict[str, Any]]
