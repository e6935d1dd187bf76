"""Root of the `accord` command: wires the sub-command groups together.

Only the group the command line names is imported (`accord validate` never loads the
server, the SDK or the compatibility engine), so every invocation starts fast; `--help`
and unknown commands load them all. `app` (for tests) is the complete application.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

import typer

from accord import __version__


def _print_version() -> None:
    typer.echo(f"accord {__version__}")


def _version(value: bool) -> None:
    if value:
        _print_version()
        raise typer.Exit()


def _module(name: str) -> Any:
    return importlib.import_module(f"accord.cli.{name}")


def _import_group(app: typer.Typer) -> None:
    odcs = _module("odcs")
    odcs.import_app.command("dbt")(_module("dbt").import_dbt)
    app.add_typer(odcs.import_app, name="import")


# command name -> how to mount it (importing its module only then)
_COMMANDS: dict[str, Callable[[typer.Typer], object]] = {
    "serve": lambda app: app.command("serve")(_module("serve").serve),
    "worker": lambda app: app.command("worker")(_module("worker").worker),
    "db": lambda app: app.add_typer(_module("db").app, name="db"),
    "admin": lambda app: app.add_typer(_module("admin").app, name="admin"),
    "audit": lambda app: app.add_typer(_module("audit").app, name="audit"),
    "compat": lambda app: app.add_typer(_module("compat").app, name="compat"),
    "validate": lambda app: app.command("validate")(_module("validate").validate),
    "import": _import_group,
    "export": lambda app: app.add_typer(_module("odcs").export_app, name="export"),
    "assets": lambda app: app.add_typer(_module("client.assets").app, name="assets"),
    "publish": lambda app: app.command("publish")(_module("client.publish").publish),
    "register": lambda app: app.command("register")(_module("client.register").register),
    "proposals": lambda app: app.add_typer(_module("client.proposals").app, name="proposals"),
    "check": lambda app: app.command("check")(_module("client.check").check),
    "diff": lambda app: app.command("diff")(_module("client.diff").diff),
    "impact": lambda app: app.command("impact")(_module("client.impact").impact),
    "lineage": lambda app: app.command("lineage")(_module("client.lineage").lineage),
    "login": lambda app: app.command("login")(_module("client.login").login),
    "teams": lambda app: app.add_typer(_module("client.teams").app, name="teams"),
    "keys": lambda app: app.add_typer(_module("client.keys").app, name="keys"),
    "versions": lambda app: app.add_typer(_module("client.versions").app, name="versions"),
    "registrations": lambda app: app.add_typer(
        _module("client.registrations").app, name="registrations"
    ),
    "webhooks": lambda app: app.add_typer(_module("client.webhooks").app, name="webhooks"),
    "dead-letters": lambda app: app.add_typer(
        _module("client.dead_letters").app, name="dead-letters"
    ),
    "runs": lambda app: app.add_typer(_module("client.runs").app, name="runs"),
    "ci": lambda app: app.add_typer(_module("ci").app, name="ci"),
}


def build_app(only: str | None = None) -> typer.Typer:
    """The CLI with every command, or with just `only` when that names one."""
    app = typer.Typer(
        name="accord",
        help="Accord: data contract coordination.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )

    @app.callback()
    def main(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ) -> None:
        """Accord: data contract coordination."""

    for name, mount in _COMMANDS.items():
        if only is None or only not in _COMMANDS or name == only:
            mount(app)
    return app


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        return build_app()
    raise AttributeError(name)


def run() -> None:
    """Console-script entry point: one ``error: ...`` style for every failure, usage
    errors included, and one line (with where the details went) for a crash."""
    args = sys.argv[1:]
    first = next((a for a in args if not a.startswith("-")), None)
    if first is None and "--version" in args:
        _print_version()  # what the eager option would print, without loading every command
        return
    sys.exit(main(args))


def _closest_choice(exc: Exception) -> str:
    """`` Did you mean 'table'?`` for a value that is not one of an option's choices."""
    import difflib
    import re

    choices = getattr(getattr(getattr(exc, "param", None), "type", None), "choices", None)
    given = re.search(r"'([^']*)' is not one of", str(getattr(exc, "message", "")))
    if not choices or given is None:
        return ""
    names = [str(getattr(c, "value", c)) for c in choices]
    close = difflib.get_close_matches(given.group(1), names, n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def main(args: list[str]) -> int:
    """Run the CLI on ``args``; the exit code (never a traceback on stderr)."""
    from typer.exceptions import Abort, TyperException

    from accord.cli.errors import one_line, report_crash

    first = next((a for a in args if not a.startswith("-")), None)
    try:
        command = typer.main.get_command(build_app(first))
        code = command.main(args=args, prog_name="accord", standalone_mode=False)
    except TyperException as exc:  # click's usage errors (Typer vendors click)
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help was printed already
            return exc.exit_code
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        message = one_line(exc.format_message()) + _closest_choice(exc)
        typer.echo(f"error: {message}{hint}", err=True)
        return exc.exit_code
    except (Abort, KeyboardInterrupt):
        typer.echo("error: interrupted", err=True)
        return 130
    except Exception as exc:  # the one place a crash becomes one line
        report_crash(exc)
    return code if isinstance(code, int) else 0
