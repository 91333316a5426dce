"""The command line: parse, resolve options once, call the core, render, exit. Nothing else.

Exit codes (errors.py): 0 passed, 1 a check failed at --fail-on, 2 usage error or unreadable
input, 3 internal error, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import click
import typer

from checker import __version__
from checker.catalog import load_catalog
from checker.config import fail_on, load_events, parse_env, resolve_targets, runtime_by_name
from checker.errors import EXIT_ERROR, EXIT_INTERNAL, EXIT_INTERRUPTED, LambdacheckError, UsageError
from checker.options import (
    CheckPlan,
    ExecOptions,
    NetworkMode,
    OutputFormat,
    PullPolicy,
    ReportOptions,
)
from checker.output import emit, progress_line
from checker.pipeline import run_plan

app = typer.Typer(pretty_exceptions_enable=False, add_completion=False, no_args_is_help=True,
                  help="Prove an AWS Lambda artifact runs on its runtime before you deploy it.")
runtimes_app = typer.Typer(help="The runtime catalog: list, show, probe.")
app.add_typer(runtimes_app, name="runtimes")

# Options shared by check and run (Typer reads them from the signatures).
Artifacts = Annotated[list[Path], typer.Argument(help="Deployment ZIPs or unpacked folders.",
                                                 show_default=False)]
Runtimes = Annotated[list[str], typer.Option("--runtime", "-r", help="Lambda runtime, e.g. "
                                             "python3.12 (repeat for several).")]
Arches = Annotated[list[str], typer.Option("--arch", help="x86_64 (default) or arm64.")]
Handler = Annotated[str | None, typer.Option(help="The function's handler, e.g. app.handler.")]
Layers = Annotated[list[Path], typer.Option("--layer", help="Layer ZIP or folder, in order.")]
Junit = Annotated[Path | None, typer.Option(help="Write a JUnit XML report here.")]
Fmt = Annotated[OutputFormat, typer.Option("--format", help="Output on stdout.")]
FailOn = Annotated[str, typer.Option(help="Fail on findings of this severity or worse: "
                                     "error or warning.")]
RuntimeFiles = Annotated[list[Path], typer.Option("--runtime-file", help="Extra runtime "
                                                  "definitions (TOML), e.g. custom images.")]


@app.command()
def check(artifacts: Artifacts, runtime: Runtimes = [], arch: Arches = [],  # noqa: B006
          handler: Handler = None, layer: Layers = [], junit: Junit = None,  # noqa: B006
          fmt: Fmt = OutputFormat.TEXT, fail_on_: Annotated[str, typer.Option(
              "--fail-on", help="error or warning")] = "error",
          runtime_file: RuntimeFiles = []) -> None:  # noqa: B006
    """Check artifacts statically against the runtime catalog (no Docker needed)."""
    catalog = load_catalog(runtime_file)
    targets = resolve_targets(artifacts, runtime, arch, handler, layer, catalog)
    plan = CheckPlan(targets=targets, report=_report(fmt, junit, fail_on_))
    _finish(plan)


@app.command()
def run(artifacts: Artifacts, runtime: Runtimes = [], arch: Arches = [],  # noqa: B006
        handler: Handler = None, layer: Layers = [], junit: Junit = None,  # noqa: B006
        fmt: Fmt = OutputFormat.TEXT,
        fail_on_: Annotated[str, typer.Option("--fail-on", help="error or warning")] = "error",
        runtime_file: RuntimeFiles = [],  # noqa: B006
        event: Annotated[list[str], typer.Option(help="Event file, folder of *.json, or "
                                                 "inline JSON (repeatable).")] = [],  # noqa: B006
        expect: Annotated[str | None, typer.Option(help="JSON the response must contain.")]
        = None,
        env: Annotated[list[str], typer.Option(help="KEY=VALUE for the function.")] = [],  # noqa: B006
        env_file: Annotated[Path | None, typer.Option(help="File of KEY=VALUE lines.")] = None,
        memory: Annotated[int, typer.Option(help="Memory in MB, as on Lambda.",
                                            min=128, max=10240)] = 128,
        timeout: Annotated[float, typer.Option(help="Invocation timeout in seconds.",
                                               min=1, max=900)] = 3.0,
        image: Annotated[str | None, typer.Option(help="Emulator image to use instead of "
                                                     "the catalog's.")] = None,
        pull: Annotated[PullPolicy, typer.Option(help="When to pull the image.")]
        = PullPolicy.MISSING,
        network: Annotated[NetworkMode, typer.Option(help="bridge, or host for engines "
                                                     "without a bridge.")] = NetworkMode.BRIDGE,
        jobs: Annotated[int, typer.Option(help="Targets run in parallel.", min=1)] = 2,
        rie: Annotated[Path | None, typer.Option(help="A Runtime Interface Emulator binary "
                                                    "to mount into images lacking one.")] = None,
        require_exec: Annotated[bool, typer.Option(help="Fail (exit 2) when nothing can be "
                                                   "executed (no engine, no image).")] = False,
        fail_fast: Annotated[bool, typer.Option(help="Do not execute targets whose static "
                                                "checks failed.")] = False) -> None:
    """Check statically, then run in the Lambda emulator image with the RIE."""
    catalog = load_catalog(runtime_file)
    targets = resolve_targets(artifacts, runtime, arch, handler, layer, catalog)
    if rie is not None and not rie.is_file():
        raise UsageError(f"--rie {rie}: no such file")
    execute = ExecOptions(
        events=load_events(event, expect), env=parse_env(env, env_file), memory_mb=memory,
        timeout_s=timeout, image=image, pull=pull, network=network, jobs=jobs, rie_path=rie,
        require_exec=require_exec, fail_fast=fail_fast)
    plan = CheckPlan(targets=targets, report=_report(fmt, junit, fail_on_), execute=execute)
    _finish(plan)


@app.command()
def inspect(file: Annotated[Path, typer.Argument(help="An ELF file, or a ZIP/folder.")]) -> None:
    """Print the ELF facts of a file (or of each ELF in a ZIP or folder)."""
    from checker.inspect import inspect_path

    inspect_path(file, sys.stdout)


@app.command()
def clean() -> None:
    """Remove containers left behind by killed lambdacheck runs."""
    from checker.runner import clean_leftovers

    removed = clean_leftovers()
    typer.echo(f"removed {removed} leftover container{'s' if removed != 1 else ''}")


@runtimes_app.callback(invoke_without_command=True)
def runtimes_list(ctx: typer.Context, runtime_file: RuntimeFiles = []) -> None:  # noqa: B006
    """List the runtimes (name, OS, glibc, arches, language, deprecation)."""
    if ctx.invoked_subcommand is None:
        from checker.report.catalog_text import render_runtime_table

        render_runtime_table(load_catalog(runtime_file), sys.stdout, date.today())


@runtimes_app.command("show")
def runtimes_show(name: str, runtime_file: RuntimeFiles = []) -> None:  # noqa: B006
    """Print one runtime with every fact and its sources."""
    from checker.report.catalog_text import render_runtime

    catalog = load_catalog(runtime_file)
    render_runtime(runtime_by_name(name, catalog), catalog, sys.stdout)


@runtimes_app.command("probe")
def runtimes_probe(image: str, name: Annotated[str, typer.Option(help="Runtime name to write.")],
                   arch: Annotated[str, typer.Option()] = "x86_64",
                   output: Annotated[Path | None, typer.Option(
                       "--output", "-o", help="Write the runtime file here (default stdout).")]
                   = None) -> None:
    """Read an image's libraries through the engine and write a runtime file."""
    from checker.probe import probe_to_toml

    text = probe_to_toml(image, name=name, arch=arch)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lambdacheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version,
                                                is_eager=True)] = False) -> None:
    """Prove an AWS Lambda artifact runs on its runtime before you deploy it."""


def _report(fmt: OutputFormat, junit: Path | None, fail_on_value: str) -> ReportOptions:
    color = fmt is OutputFormat.TEXT and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    return ReportOptions(fmt=fmt, junit=junit, fail_on=fail_on(fail_on_value), color=color)


class _Done(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _finish(plan: CheckPlan) -> None:
    result = run_plan(plan, progress=progress_line)
    raise _Done(emit(result, plan.report))


def main(argv: list[str] | None = None) -> None:
    """The single error funnel: every exit goes through here."""
    debug = "--debug" in (argv if argv is not None else sys.argv)
    args = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--debug"]
    try:
        app(args=args, prog_name="lambdacheck", standalone_mode=False)
        code = 0
    except _Done as done:
        code = done.code
    except LambdacheckError as err:
        _say(f"lambdacheck: error: {err.message}", err.hint)
        code = err.exit_code
    except click.exceptions.Exit as exit_:
        code = exit_.exit_code
    except click.ClickException as err:
        err.show()
        code = EXIT_ERROR
    except (KeyboardInterrupt, click.exceptions.Abort):
        _say("lambdacheck: interrupted", None)
        code = EXIT_INTERRUPTED
    except Exception as err:  # the funnel: never a traceback unless --debug
        if debug:
            raise
        _say(f"lambdacheck: internal error: {type(err).__name__}: {err}",
             "run again with --debug for the traceback, and report it")
        code = EXIT_INTERNAL
    sys.exit(code)


def _say(message: str, hint: str | None) -> None:
    sys.stderr.write(message + "\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")
