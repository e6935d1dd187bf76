"""docs/cli.md's command reference is the real `--help` tree."""

from __future__ import annotations

from tests.cli.cli_reference import BEGIN, DOC, END, reference, render


def test_the_reference_in_docs_cli_md_matches_the_commands() -> None:
    current = DOC.read_text()
    assert render(current) == current, "docs/cli.md is stale: python -m tests.cli.cli_reference"


def test_every_command_is_in_the_reference() -> None:
    text = reference()
    for path in ("accord login", "accord teams create", "accord proposals publish", "accord ci"):
        assert f"`{path}`" in text
    assert BEGIN not in text
    assert END not in text
