"""Reading contract and guarantee files (JSON or YAML) for publish, check and impact.

What a contract file may hold (a bare schema, or an envelope with ``schema``, ``format``,
``guarantees``, ``references``) and how its format is detected is decided once, in
:func:`accord.spec.contract_file.parse_contract_file`; the command-line options given
(``--format``, ``--guarantees``, ``--ref``) override what the file says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from accord.cli.client._common import InputError
from accord.kit.documents import DocumentError, read_document
from accord.sdk import SchemaFormat
from accord.spec.contract_file import ContractFileError, parse_contract_file


class FormatChoice(StrEnum):
    """``--format``: ``auto`` keeps the file's ``format`` or detects it from the schema."""

    auto = "auto"
    jsonschema = "jsonschema"
    table = "table"


FormatOption = Annotated[
    FormatChoice,
    typer.Option("--format", help="Schema format; default: the file's, else detected."),
]
GuaranteesOption = Annotated[
    Path | None,
    typer.Option(
        help="JSON or YAML guarantees file (replaces the contract file's). Without either, "
        "the previous version's guarantees are kept."
    ),
]
RefOption = Annotated[
    list[str] | None,
    typer.Option(
        "--ref",
        metavar="URI=FQN@VERSION",
        help="A registered schema the schema's remote $refs name by URI (repeatable; "
        "FQN@VERSION in ENV: URI=FQN@VERSION@ENV).",
    ),
]
ContractArg = Annotated[
    Path,
    typer.Argument(
        help="Contract file (JSON or YAML): a schema, or {schema, format?, guarantees?, "
        "references?}."
    ),
]


_FORMATS: dict[FormatChoice, SchemaFormat] = {
    FormatChoice.jsonschema: "jsonschema",
    FormatChoice.table: "table",
}


@dataclass(frozen=True)
class Contract:
    """What to send: ``guarantees`` ``None`` means none given (the server carries the
    previous version's forward); ``{}`` removes them."""

    schema: dict[str, Any]
    format: SchemaFormat
    guarantees: dict[str, Any] | None = None
    references: list[dict[str, str]] = field(default_factory=list)


def load_document(path: Path, what: str) -> dict[str, Any]:
    """A JSON or YAML object from ``path`` (YAML unless the suffix is ``.json``)."""
    data = _read(path, what)
    if not isinstance(data, dict):
        raise InputError(f"{what} file {path} must hold an object, not {type(data).__name__}")
    return data  # JSON values only (read_document refuses the rest)


def load_contract(
    path: Path,
    format: FormatChoice = FormatChoice.auto,
    guarantees: Path | None = None,
    refs: list[str] | None = None,
) -> Contract:
    """The contract ``path`` holds, with the options given on the command line applied."""
    try:
        parsed = parse_contract_file(_read(path, "contract"), f"contract file {path}")
    except ContractFileError as exc:
        raise InputError(str(exc)) from None
    references = [_reference(r) for r in parsed.references]
    if refs:  # --ref replaces the file's reference with the same URI, adds the others
        given = [schema_reference(r) for r in refs]
        names = {r["name"] for r in given}
        references = [r for r in references if r.get("name") not in names] + given
    return Contract(
        schema=parsed.schema,
        format=_FORMATS.get(format, parsed.format),
        guarantees=load_document(guarantees, "guarantees") if guarantees else parsed.guarantees,
        references=references,
    )


def schema_reference(text: str) -> dict[str, str]:
    """``URI=FQN@VERSION`` (or ``…@VERSION@ENV``) as the API's reference object."""
    name, sep, target = text.rpartition("=")
    fqn, _, rest = target.partition("@")
    version, _, environment = rest.partition("@")
    if not sep or not name or not fqn or not version:
        raise typer.BadParameter(
            f"{text!r}: give URI=FQN@VERSION, e.g. "
            "https://schemas.example.com/address.json=common.address@1.2.0",
            param_hint="--ref",
        )
    found = {"name": name, "asset": fqn, "version": version}
    return found | ({"environment": environment} if environment else {})


def _reference(given: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in given.items()}


def _read(path: Path, what: str) -> Any:
    try:
        return read_document(path, f"{what} file {path}")
    except DocumentError as exc:
        raise InputError(str(exc)) from None
