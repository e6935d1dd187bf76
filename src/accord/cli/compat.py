"""`accord compat`: offline schema compatibility checks.

Contract (scripts depend on it): ``accord compat check [OPTIONS] OLD NEW`` or, for transitive
modes, ``accord compat check --mode backward_transitive V1 ... VN NEW``. Exit codes: 0
compatible, 1 incompatible or undecided, 2 usage or input error. ``--json`` prints
``Verdict.to_dict()`` (documented in docs/compat.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from accord.cli.errors import fail
from accord.cli.exit_codes import BREAKING, OK
from accord.compat import (
    ContentModel,
    Mode,
    Outcome,
    SchemaDialect,
    SchemaError,
    SchemaFormat,
    Verdict,
    check_history,
    validate_schema,
)
from accord.kit.documents import DocumentError, read_document

app = typer.Typer(help="Compare schemas offline.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Compare schemas offline."""


@app.command("check")
def check_command(
    schemas: list[Path] = typer.Argument(
        ..., help="OLD NEW, or V1 … VN NEW (oldest first) for transitive modes.", metavar="OLD NEW"
    ),
    mode: Mode = typer.Option(Mode.FORWARD, "--mode", help="Compatibility mode to enforce."),
    content_model: ContentModel = typer.Option(
        ContentModel.LENIENT, "--content-model", help="How undeclared properties are read."
    ),
    fmt: SchemaFormat = typer.Option(SchemaFormat.AUTO, "--format", help="Schema format."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    assert_formats: bool = typer.Option(
        False, "--assert-formats", help="Treat JSON Schema `format` as an assertion."
    ),
    dialect: SchemaDialect | None = typer.Option(
        None,
        "--dialect",
        help="JSON Schema draft of files with no $schema (default: inferred from the keywords).",
    ),
    ref: list[str] = typer.Option(
        [],
        "--ref",
        metavar="URI=FILE",
        help="A schema that remote $refs name by URI (repeatable); Accord never fetches.",
    ),
    refs_dir: Path | None = typer.Option(
        None,
        "--refs",
        metavar="DIR",
        help="A bundle: every .json/.yaml schema in DIR, known by its $id.",
    ),
) -> None:
    """Check that NEW is compatible with OLD (or with every earlier version)."""
    if len(schemas) < 2:
        fail("give at least two schema files: OLD NEW")
    try:
        docs = [read_document(p) for p in schemas]
        external = _references(ref, refs_dir)
    except (DocumentError, _RefError) as exc:
        fail(str(exc))
    for path, doc in zip(schemas, docs, strict=True):
        try:  # full validation: `check` only parses what differs
            validate_schema(doc, fmt, refs=external, dialect=dialect)
        except SchemaError as exc:
            fail(f"{path}: {exc}{_hint(exc)}")
    try:
        verdict = check_history(
            docs[:-1],
            docs[-1],
            mode=mode,
            content_model=content_model,
            fmt=fmt,
            assert_formats=assert_formats,
            refs=external,
            dialect=dialect,
        )
    except SchemaError as exc:
        fail(f"{exc}{_hint(exc)}")
    if as_json:
        typer.echo(json.dumps(verdict.to_dict(), ensure_ascii=False, default=str))
    else:
        _human(verdict)
    raise typer.Exit(OK if verdict.compatible else BREAKING)


class _RefError(Exception):
    """A --ref or --refs argument that cannot be used."""


def _references(pairs: list[str], folder: Path | None) -> dict[str, object]:
    """Referenced schemas by absolute URI, from ``--ref URI=FILE`` and ``--refs DIR``."""
    out: dict[str, object] = {}
    if folder is not None:
        if not folder.is_dir():
            raise _RefError(f"--refs {folder}: not a directory")
        files = sorted(
            p for p in folder.iterdir() if p.suffix.lower() in (".json", ".yaml", ".yml")
        )
        for path in files:
            doc = read_document(path)
            ident = doc.get("$id", doc.get("id")) if isinstance(doc, dict) else None
            if not isinstance(ident, str) or not ident.split("#")[0]:
                raise _RefError(
                    f"--refs: {path} has no $id to be known by; give it with --ref URI={path}"
                )
            out[ident.split("#")[0]] = doc
    for pair in pairs:
        uri, sep, file = pair.partition("=")
        if not sep or not uri or not file:
            raise _RefError(f"--ref {pair!r}: expected URI=FILE")
        out[uri.split("#")[0]] = read_document(Path(file))
    return out


def _hint(exc: SchemaError) -> str:
    """How to supply a schema a remote $ref names."""
    if "is not supplied" not in str(exc):
        return ""
    return " (give it with --ref URI=FILE, or a folder of schemas with --refs DIR)"


def _human(verdict: Verdict) -> None:
    chosen = verdict.verdicts[verdict.mode]
    mark = {Outcome.COMPATIBLE: "✓", Outcome.INCOMPATIBLE: "✗", Outcome.UNDECIDED: "?"}
    typer.echo(f"{mark[chosen.outcome]} {verdict.mode.value}: {chosen.outcome.value}")
    if chosen.reason:
        typer.echo(f"  {chosen.reason}")
    for mode, result in verdict.verdicts.items():
        if mode is not verdict.mode:
            typer.echo(f"  {mode.value:<20} {result.outcome.value}")
    if verdict.changes:
        typer.echo("changes:")
        for change in verdict.changes:
            typer.echo(
                f"  {change.direction.value:<9} {change.kind:<32} {change.path}  {change.message}"
            )
    for witness in verdict.witnesses:
        doc = json.dumps(witness.document, ensure_ascii=False, default=str)
        if len(doc) > 200:
            doc = doc[:197] + "..."
        typer.echo(
            f"witness ({witness.mode.value}, valid under {witness.valid_under} only, "
            f"at {witness.path or '/'}): {doc}"
        )
