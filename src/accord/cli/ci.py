"""`accord ci`: what the GitHub Action (`action.yml`) and the pre-commit hook
(`.pre-commit-hooks.yaml`) run.

Both ask the server what publishing a contract file would do (`impact`: nothing is
written) and exit like `accord check`: 0 compatible (or approved at once: nobody reads
the asset), 1 breaking with consumers to ask, 2 an error.

- ``github-action`` writes a Markdown job summary (the breaking changes, the consumer
  teams a proposal would wait on, the downstream assets) to ``$GITHUB_STEP_SUMMARY`` and
  ``compatible`` / ``breaking-changes`` / ``affected-teams`` to ``$GITHUB_OUTPUT``.
- ``pre-commit`` takes the changed contract files; each file's asset is its name without
  the suffix (``contracts/warehouse.sales.orders.yaml`` is ``warehouse.sales.orders``),
  or the ``--asset`` given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from accord.cli import exit_codes
from accord.cli.client._common import (
    ApiKeyOption,
    EnvironmentOption,
    InputError,
    ProfileOption,
    UrlOption,
    connect,
    errors,
    resolve_asset,
    team_names,
)
from accord.cli.errors import one_line
from accord.kit.documents import DocumentError, read_document
from accord.sdk import Client, Impact
from accord.spec.contract_file import ContractFileError, parse_contract_file

app = typer.Typer(help="What CI runs: the GitHub Action and the pre-commit hook.")

_MAX_ROWS = 50


@dataclass(frozen=True)
class Outcome:
    asset: str
    impact: Impact
    teams: dict[str, str]  # team id -> name

    @property
    def exit_code(self) -> int:
        breaking = self.impact.outcome == "proposal" and not self.impact.auto_approved
        return exit_codes.BREAKING if breaking else exit_codes.OK

    def verdict(self) -> str:
        imp = self.impact
        if imp.outcome == "unchanged":
            return "unchanged: the contract is already published"
        if not imp.breaking:
            return "compatible: it would publish at once"
        if imp.auto_approved:
            return "breaking, approved at once: no consumer reads what changed"
        return f"breaking: a proposal would wait on {len(self.teams)} consumer team(s)"


def _assess(client: Client, fqn: str, path: Path, environment: str) -> Outcome:
    try:
        contract = parse_contract_file(read_document(path, f"contract file {path}"), str(path))
    except (DocumentError, ContractFileError) as exc:
        raise InputError(str(exc)) from None
    asset = resolve_asset(client, fqn, environment)
    impact = client.impact(
        asset.id,
        contract.schema,
        format=contract.format,
        guarantees=contract.guarantees,
        references=contract.references or None,
    )
    ids = [r.team_id for r in impact.affected_registrations]
    names = team_names(client, ids)
    return Outcome(f"{asset.fqn} ({asset.environment})", impact, {str(i): names[i] for i in ids})


def _cell(text: str) -> str:
    return one_line(text).replace("|", "\\|")


def summary_markdown(outcome: Outcome, path: Path) -> str:
    """The job summary: verdict, breaking changes, teams to ask, downstream assets."""
    imp = outcome.impact
    mark = "✅" if outcome.exit_code == exit_codes.OK else "❌"
    lines = [f"## {mark} Accord: `{outcome.asset}`", "", f"`{path}`: {outcome.verdict()}", ""]
    if imp.breaking_changes:
        lines += ["### Breaking changes", "", "| path | change | detail |", "|---|---|---|"]
        for change in imp.breaking_changes[:_MAX_ROWS]:
            lines.append(f"| `{_cell(change.path)}` | {change.kind} | {_cell(change.message)} |")
        if len(imp.breaking_changes) > _MAX_ROWS:
            lines.append(f"| … | {len(imp.breaking_changes) - _MAX_ROWS} more | |")
        lines.append("")
    if outcome.teams:
        lines += ["### Consumers a proposal would wait on", ""]
        lines += [f"- {name}" for name in sorted(outcome.teams.values())]
        lines.append("")
    if imp.downstream is not None and imp.downstream.assets:
        lines += [f"### Downstream assets ({imp.downstream.total})", ""]
        lines += [f"- `{a.fqn}`" for a in imp.downstream.assets[:_MAX_ROWS]]
        lines.append("")
    return "\n".join(lines)


def _append(variable: str, text: str) -> None:
    target = os.environ.get(variable)
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(text)


@app.command("github-action")
def github_action(
    asset: Annotated[str, typer.Option("--asset", help="The asset's FQN or id.")],
    contract: Annotated[Path, typer.Option("--contract", help="The contract file.")],
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
) -> None:
    """Check CONTRACT for ASSET; write the job summary and the step's outputs."""
    with errors(False), connect(url, api_key, profile) as client:
        outcome = _assess(client, asset, contract, environment)
    text = summary_markdown(outcome, contract)
    typer.echo(text)
    _append("GITHUB_STEP_SUMMARY", text + "\n")
    compatible = "true" if outcome.exit_code == exit_codes.OK else "false"
    _append(
        "GITHUB_OUTPUT",
        f"compatible={compatible}\n"
        f"breaking-changes={len(outcome.impact.breaking_changes)}\n"
        f"affected-teams={','.join(sorted(outcome.teams.values()))}\n",
    )
    raise typer.Exit(outcome.exit_code)


def _stem(path: Path) -> str:
    """``warehouse.sales.orders.yaml`` -> ``warehouse.sales.orders``."""
    for suffix in (".yaml", ".yml", ".json"):
        if path.name.endswith(suffix):
            return path.name[: -len(suffix)]
    return path.name


@app.command("pre-commit")
def pre_commit(
    files: Annotated[list[Path], typer.Argument(help="Changed contract files.")],
    asset: Annotated[
        str | None, typer.Option("--asset", help="The asset (default: each file's stem).")
    ] = None,
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
) -> None:
    """Check each changed contract file against its asset; one line per file."""
    worst = exit_codes.OK
    with errors(False), connect(url, api_key, profile) as client:
        for path in files:
            fqn = asset or _stem(path)
            outcome = _assess(client, fqn, path, environment)
            typer.echo(f"{path}: {outcome.asset}: {outcome.verdict()}")
            for change in outcome.impact.breaking_changes[:_MAX_ROWS]:
                typer.echo(f"  {change.path}: {change.kind}: {one_line(change.message)}")
            worst = max(worst, outcome.exit_code)
    raise typer.Exit(worst)
