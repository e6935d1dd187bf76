"""The command reference in docs/cli.md, made from the real command tree.

``python -m tests.cli.cli_reference`` rewrites the part of docs/cli.md between the
markers; ``tests/cli/test_cli_reference.py`` fails when the file and the commands
disagree (a command, option or help text changed without the docs).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from typer._click.core import Command, Context
from typer.core import TyperGroup as Group

from accord.cli.main import build_app

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
BEGIN = "<!-- BEGIN GENERATED REFERENCE: python -m tests.cli.cli_reference -->"
END = "<!-- END GENERATED REFERENCE -->"


def _walk(command: Command, ctx: Context) -> list[tuple[Context, Command]]:
    found: list[tuple[Context, Command]] = [(ctx, command)]
    if isinstance(command, Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            found += _walk(sub, Context(sub, info_name=name, parent=ctx))
    return found


def _params(command: Command, ctx: Context) -> list[str]:
    rows: list[str] = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None or param.name == "help":
            continue
        flags, help_text = record
        meaning = " ".join(help_text.split()).replace("|", "\\|")
        shown = flags.replace("|", "\\|")
        rows.append(f"| `{shown}` | {meaning} |")
    return rows


def reference() -> str:
    """Markdown: every command, its usage line, its help and its options."""
    root = typer.main.get_command(build_app())
    out: list[str] = []
    for ctx, command in _walk(root, Context(root, info_name="accord")):
        if ctx.parent is None:
            continue
        path = ctx.command_path
        depth = "###" if ctx.parent.parent is None else "####"
        out.append(f"{depth} `{path}`")
        out.append("")
        pieces = command.collect_usage_pieces(ctx)
        out.append(f"    {path} {' '.join(pieces)}")
        out.append("")
        text = (command.help or "").strip()
        if text:
            out.append(" ".join(text.split("\n\n")[0].split()))
            out.append("")
        rows = _params(command, ctx)
        if rows and not isinstance(command, Group):
            out += ["| option | meaning |", "|---|---|", *rows, ""]
    return "\n".join(out).rstrip() + "\n"


def render(current: str) -> str:
    """``current`` with the generated part replaced."""
    head, sep, rest = current.partition(BEGIN)
    if not sep:
        raise SystemExit(f"{DOC}: marker missing: {BEGIN}")
    _, sep, tail = rest.partition(END)
    if not sep:
        raise SystemExit(f"{DOC}: marker missing: {END}")
    return f"{head}{BEGIN}\n\n{reference()}\n{END}{tail}"


if __name__ == "__main__":
    DOC.write_text(render(DOC.read_text()))
    sys.stdout.write(f"wrote {DOC}\n")
