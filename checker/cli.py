"""The command line: every command and option, --help, usage errors and completion (typer).

check and run hand their parameters to checker/commands.py, which a plain check or run
command line also reaches without typer (checker/argv: its table is generated from the
commands built here). Every exit goes through checker/funnel.py.

Start-up is part of every call: typer builds the click command of each registered command
from its signature, so main() registers only the command argv names (build_app); the modules
a command needs (resolve, pipeline, catalog, output, ...) are imported in its function.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from checker import __version__, commands, startup
from checker.argv.parse import COMPLETION_VAR
from checker.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, UsageError
from checker.funnel import Done, debug_split, exit_code, interrupted
from checker.lambda_env import (
    DEFAULT_ARCH,
    DEFAULT_EPHEMERAL_MB,
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    MEMORY_RANGE_MB,
    TIMEOUT_RANGE_S,
)
from checker.options import NetworkMode, OutputFormat, PullPolicy

# Options shared by check and run (Typer reads them from the signatures).
# readable=False: the reader says why, in one line
Artifacts = Annotated[list[Path], typer.Argument(
    metavar="ARTIFACT", hidden=True, show_default=False, readable=False)]  # see ARTIFACTS_HELP
# Typer shows an argument's type (`<list[Path]>`) whatever its metavar: say it in words instead.
ARTIFACTS_HELP = ("ARTIFACT: a deployment ZIP, an unpacked folder or a container image "
                  "(docker-daemon:NAME:TAG, docker-archive:PATH, oci-archive:PATH), several "
                  "allowed; default: the functions of the project config or --template.")
Runtimes = Annotated[list[str], typer.Option("--runtime", "-r", metavar="NAME", help="Lambda "
                                             "runtime, e.g. python3.12 (repeat for several).")]
Arches = Annotated[list[str], typer.Option("--arch", metavar="ARCH",
                                           help="x86_64 (default) or arm64.")]
Handler = Annotated[str | None, typer.Option(help="The function's handler, e.g. app.handler.")]
Layers = Annotated[list[Path], typer.Option("--layer", metavar="ZIP", readable=False,
                                             help="Layer ZIP or folder, in order.")]
Junit = Annotated[Path | None, typer.Option(metavar="FILE", help="Write a JUnit XML report here.")]
Fmt = Annotated[OutputFormat, typer.Option("--format", help="Output on stdout.")]
FailOn = Annotated[str, typer.Option(help="Fail on findings of this severity or worse: "
                                     "error or warning.")]
RuntimeFiles = Annotated[list[Path], typer.Option(
    "--runtime-file", metavar="FILE", help="Extra runtime definitions (TOML), e.g. custom images.")]


Config = Annotated[Path | None, typer.Option(metavar="FILE", help="A lambdacheck.toml or "
                                             "pyproject.toml (default: found in the current "
                                             "folder).")]
Template = Annotated[Path | None, typer.Option(metavar="FILE", help="AWS SAM / CloudFormation "
                                               "template whose functions to check.")]
Shard = Annotated[str | None, typer.Option(help="Run only slice I/N of the targets.")]
Sarif = Annotated[Path | None, typer.Option(metavar="FILE",
                                            help="Write a SARIF 2.1.0 report here.")]
Summary = Annotated[Path | None, typer.Option(metavar="FILE",
                                              help="Write a markdown summary here.")]
ImageFunctions = Annotated[list[str], typer.Option(
    "--image-function", metavar="NAME=REF", help="Check the template's image function NAME "
    "from a local image (docker-daemon:NAME:TAG, docker-archive:PATH, oci-archive:PATH).")]
FailOnOpt = Annotated[str | None, typer.Option("--fail-on", help="error (default) or warning.")]
AllowOutside = Annotated[bool, typer.Option(help="Read a template's CodeUri/ContentUri even "
                                            "outside the template's folder.")]
Baseline = Annotated[Path | None, typer.Option(metavar="FILE", help="Fail only on findings not "
                                               "in this baseline (see --write-baseline).")]
WriteBaseline = Annotated[Path | None, typer.Option(metavar="FILE", help="Write the findings "
                                                    "of this run as a baseline file.")]
ManagedInstances = Annotated[bool, typer.Option(help="The functions run on Lambda Managed "
                                                "Instances (a template says so by its "
                                                "CapacityProviderConfig): their memory range.")]


def check(artifacts: Artifacts = [], runtime: Runtimes = [], arch: Arches = [],  # noqa: B006
          handler: Handler = None, layer: Layers = [], junit: Junit = None,  # noqa: B006
          fmt: Fmt = OutputFormat.TEXT, fail_on_: FailOnOpt = None,
          runtime_file: RuntimeFiles = [], config: Config = None,  # noqa: B006
          template: Template = None, shard: Shard = None, sarif: Sarif = None,
          summary: Summary = None, image_function: ImageFunctions = [],  # noqa: B006
          allow_outside_paths: AllowOutside = False, baseline: Baseline = None,
          write_baseline: WriteBaseline = None,
          managed_instances: ManagedInstances = False) -> None:
    """Check artifacts statically against the runtime catalog (no Docker needed)."""
    commands.check(**locals())  # the parameters as typer parsed them, and nothing else


# run's own options. Every parameter's type is a module-level name: typer evaluates each
# (string) annotation twice per call, and an inline `Annotated[..., typer.Option(...)]` would be
# compiled and its Option built each time (~5 ms per `run` call with typer 0.28).
Events = Annotated[list[str], typer.Option(metavar="EVENT", help="Event file, folder of *.json, "
                                           "or inline JSON (repeatable).")]
Expect = Annotated[str | None, typer.Option(help="JSON the response must contain.")]
Env = Annotated[list[str], typer.Option(metavar="KEY=VALUE", help="For the function.")]
EnvFile = Annotated[Path | None, typer.Option(metavar="FILE", help="File of KEY=VALUE lines.")]
Memory = Annotated[int | None, typer.Option(
    help=f"Memory in MB (default {DEFAULT_MEMORY_MB}, as on Lambda).",
    min=MEMORY_RANGE_MB[0], max=MEMORY_RANGE_MB[1])]
Timeout = Annotated[float | None, typer.Option(
    help=f"Invocation timeout in seconds (default {DEFAULT_TIMEOUT_S:g}).",
    min=TIMEOUT_RANGE_S[0], max=TIMEOUT_RANGE_S[1])]
EphemeralStorage = Annotated[int, typer.Option(
    help=f"/tmp size in MB (default {DEFAULT_EPHEMERAL_MB}, as on Lambda).")]
Image = Annotated[str | None, typer.Option(help="Emulator image to use instead of the "
                                           "catalog's.")]
Pull = Annotated[PullPolicy | None, typer.Option(
    help="When to pull: emulator images default to missing; a function's own image is pulled "
         "only when this is given.")]
Network = Annotated[NetworkMode | None, typer.Option(
    help="bridge or host (default: bridge, or host bound to 127.0.0.1 when the engine has no "
         "bridge).")]
Jobs = Annotated[int, typer.Option(help="Targets run in parallel.", min=1)]
Rie = Annotated[Path | None, typer.Option(metavar="FILE", help="A Runtime Interface Emulator "
                                          "binary to mount into images lacking one.")]
AllowSkipExec = Annotated[bool, typer.Option(
    help="Report targets that cannot execute (no engine, no image, ...) as skipped instead of "
         "failing with exit 2.")]
RequireExec = Annotated[bool, typer.Option(hidden=True,
                                           help="Deprecated: failing is the default now.")]
FailFast = Annotated[bool, typer.Option(help="Do not execute targets whose static checks "
                                        "failed.")]


def run(artifacts: Artifacts = [], runtime: Runtimes = [], arch: Arches = [],  # noqa: B006
        handler: Handler = None, layer: Layers = [], junit: Junit = None,  # noqa: B006
        fmt: Fmt = OutputFormat.TEXT, fail_on_: FailOnOpt = None,
        runtime_file: RuntimeFiles = [], config: Config = None,  # noqa: B006
        template: Template = None, shard: Shard = None, sarif: Sarif = None,
        summary: Summary = None, image_function: ImageFunctions = [],  # noqa: B006
        allow_outside_paths: AllowOutside = False, baseline: Baseline = None,
        write_baseline: WriteBaseline = None, managed_instances: ManagedInstances = False,
        event: Events = [], expect: Expect = None, env: Env = [],  # noqa: B006
        env_file: EnvFile = None, memory: Memory = None, timeout: Timeout = None,
        ephemeral_storage: EphemeralStorage = DEFAULT_EPHEMERAL_MB, image: Image = None,
        pull: Pull = None, network: Network = None, jobs: Jobs = 2, rie: Rie = None,
        allow_skip_exec: AllowSkipExec = False, require_exec: RequireExec = False,
        fail_fast: FailFast = False) -> None:
    """Check statically, then run in the Lambda emulator image with the RIE."""
    commands.run(**locals())  # the parameters as typer parsed them, and nothing else


MatrixFlag = Annotated[bool, typer.Option(help="Print a GitHub Actions matrix (JSON).")]
MaxJobs = Annotated[int | None, typer.Option(help="At most this many matrix entries (targets "
                                             "share shards).", min=1)]


def plan(artifacts: Artifacts = [], runtime: Runtimes = [], arch: Arches = [],  # noqa: B006
         handler: Handler = None, layer: Layers = [],  # noqa: B006
         runtime_file: RuntimeFiles = [], config: Config = None,  # noqa: B006
         template: Template = None, image_function: ImageFunctions = [],  # noqa: B006
         allow_outside_paths: AllowOutside = False,
         matrix: MatrixFlag = False, max_jobs: MaxJobs = None) -> None:
    """List the targets a check would run, or print them as a CI matrix."""
    import json

    from checker.resolve import CommandLine, resolve_targets
    from checker.sharding import matrix_document, ordered

    selected = resolve_targets(CommandLine(
        artifacts=tuple(artifacts), runtimes=tuple(runtime), arches=tuple(arch),
        handler=handler, layers=tuple(layer), runtime_files=tuple(runtime_file), config=config,
        template=template, image_functions=tuple(image_function),
        allow_outside_paths=allow_outside_paths), Path.cwd())
    for unresolved in selected.unresolved:  # `check` reports each as a failed target
        typer.echo(f"lambdacheck: {unresolved.name} ({unresolved.source}) cannot be checked: "
                   f"{unresolved.message}", err=True)
    if matrix:
        typer.echo(json.dumps(matrix_document(selected.targets, max_jobs)))
        return
    for target in ordered(selected.targets):
        typer.echo(target.id.label())


InspectFile = Annotated[Path, typer.Argument(help="An ELF file, or a ZIP/folder.")]


def inspect(file: InspectFile) -> None:
    """Print the ELF facts of a file (or of each ELF in a ZIP or folder)."""
    from checker.inspection import inspect_path

    inspect_path(file, sys.stdout)


def clean() -> None:
    """Remove containers left behind by killed lambdacheck runs."""
    from checker.runner import clean_leftovers

    removed = clean_leftovers()
    typer.echo(f"removed {removed} leftover container{'s' if removed != 1 else ''}")


ForArtifact = Annotated[Path | None, typer.Option(
    "--for", metavar="ARTIFACT", readable=False, help="Check this ZIP or folder against every "
    "supported runtime and architecture and print which can run it.")]


def runtimes_list(ctx: typer.Context, runtime_file: RuntimeFiles = [],  # noqa: B006
                  for_artifact: ForArtifact = None, handler: Handler = None,
                  layer: Layers = [],  # noqa: B006
                  fmt: Fmt = OutputFormat.TEXT) -> None:
    """List the runtimes (name, OS, glibc, arches, language, deprecation); with --for, the
    runtimes an artifact runs on."""
    if ctx.invoked_subcommand is not None:
        return
    if for_artifact is not None:
        _runtimes_for(for_artifact, runtime_file, handler, layer, fmt)
    from datetime import date

    from checker.catalog.load import load_catalog
    from checker.report.catalog_text import render_runtime_table

    render_runtime_table(load_catalog(runtime_file), sys.stdout, date.today())


def _runtimes_for(artifact: Path, runtime_files: list[Path], handler: str | None,
                  layers: list[Path], fmt: OutputFormat) -> None:
    from datetime import date

    from checker.catalog.load import load_catalog
    from checker.matrix import build_matrix
    from checker.report.matrix import render_matrix_json, render_matrix_text

    if fmt is OutputFormat.GITHUB:
        raise UsageError("runtimes --for prints text or json", hint="use --format text or json")
    matrix = build_matrix(artifact, load_catalog(runtime_files), today=date.today(),
                          handler=handler, layers=layers)
    (render_matrix_json if fmt is OutputFormat.JSON else render_matrix_text)(matrix, sys.stdout)
    raise Done(EXIT_OK if matrix.runs_anywhere else EXIT_FINDINGS)


def runtimes_show(name: str, runtime_file: RuntimeFiles = []) -> None:  # noqa: B006
    """Print one runtime with every fact and its sources."""
    from checker.catalog.load import load_catalog
    from checker.report.catalog_text import render_runtime
    from checker.values import runtime_by_name

    catalog = load_catalog(runtime_file)
    render_runtime(runtime_by_name(name, catalog), catalog, sys.stdout)


ProbeName = Annotated[str, typer.Option(help="Runtime name to write.")]
ProbeArch = Annotated[str, typer.Option()]
ProbeOutput = Annotated[Path | None, typer.Option(
    "--output", "-o", metavar="FILE", help="Write the runtime file here (default stdout).")]


def runtimes_probe(image: str, name: ProbeName, arch: ProbeArch = DEFAULT_ARCH.value,
                   output: ProbeOutput = None) -> None:
    """Read an image's libraries through the engine and write a runtime file."""
    from checker.runner.probe import probe_to_toml

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


VersionFlag = Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)]


def _root(ctx: typer.Context, version: VersionFlag = False) -> None:
    """Prove an AWS Lambda artifact runs on its runtime before you deploy it."""
    del version  # handled by its eager callback
    if ctx.invoked_subcommand not in ("check", "run"):
        startup.resume()  # check and run: once their options are resolved (commands.finish)


def _add_runtimes(app: typer.Typer) -> None:
    runtimes_app = typer.Typer(help="The runtime catalog: list, show, probe.")
    runtimes_app.callback(invoke_without_command=True)(runtimes_list)
    runtimes_app.command("show")(runtimes_show)
    runtimes_app.command("probe")(runtimes_probe)
    app.add_typer(runtimes_app, name="runtimes")


# Each command's registration, in the order `lambdacheck --help` lists them.
COMMANDS: dict[str, Callable[[typer.Typer], object]] = {
    "check": lambda app: app.command(epilog=ARTIFACTS_HELP)(check),
    "run": lambda app: app.command(epilog=ARTIFACTS_HELP)(run),
    "plan": lambda app: app.command(epilog=ARTIFACTS_HELP)(plan),
    "inspect": lambda app: app.command()(inspect),
    "clean": lambda app: app.command()(clean),
    "runtimes": _add_runtimes,
}


def build_app(*names: str) -> typer.Typer:
    """The command line with the commands `names` registered (all of them by default).

    typer turns every registered command's signature into click parameters on each call, so
    main() registers only the one argv names: its --help, usage errors and parsing are the
    same as in the full app (a command's usage and help never mention its siblings)."""
    app = typer.Typer(pretty_exceptions_enable=False, add_completion=False, no_args_is_help=True,
                      help="Prove an AWS Lambda artifact runs on its runtime before you "
                           "deploy it.")
    app.callback()(_root)
    for name in names or COMMANDS:
        COMMANDS[name](app)
    return app


def app_for(args: list[str]) -> typer.Typer:
    """The app that parses `args`: only the command they start with, when they start with
    one; the full app for the top level (no command, --help, --version, a typo: click's "No
    such command 'chek'. Did you mean 'check'?" needs every name) and for shell completion."""
    if args and args[0] in COMMANDS and COMPLETION_VAR not in os.environ:
        return build_app(args[0])
    return build_app()


# typer 0.28 parses with a click of its own (typer._click) and raises its own Exit and Abort
# (typer.Exit, typer.Abort); earlier typers use the standalone click, whose Exit and Abort
# typer.Exit and typer.Abort are. The click typer really uses is the one its public
# BadParameter comes from: its ClickException is the one the parser raises. (Importing the
# standalone click as well would cost ~18 ms per call under typer 0.28, which never uses it.)
_TYPER_CLICK = sys.modules[typer.BadParameter.__module__]
_CLICK_ERRORS = (_TYPER_CLICK.ClickException,)
_EXITS = (typer.Exit,)


def main(argv: list[str] | None = None) -> None:
    """Parse with typer; every exit goes through the funnel (checker/funnel.py)."""
    debug, args = debug_split(argv)
    sys.exit(exit_code(lambda: _parse_and_call(args), debug))


def _parse_and_call(args: list[str]) -> int | None:
    try:
        returned = app_for(args)(args=args, prog_name="lambdacheck", standalone_mode=False)
    except _EXITS as exit_:  # --help, --version
        return exit_.exit_code
    except _CLICK_ERRORS as err:  # usage errors: click's own "Usage: ... Error: ..."
        err.show()
        return EXIT_ERROR
    except typer.Abort:  # Ctrl-C with the standalone click: it wrote the newline after ^C
        return interrupted()
    if returned == EXIT_INTERRUPTED:  # Ctrl-C with typer's own click (0.28), which says nothing
        sys.stderr.write("\n")  # (a command returns None: check and run raise Done)
        return interrupted()
    return returned if isinstance(returned, int) else None
