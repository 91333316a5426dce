"""Container-image functions: the image config (architecture, OS, size, ENTRYPOINT/CMD) and what
will actually start — the AWS base images' /lambda-entrypoint.sh takes exactly one argument and
execs ${LAMBDA_RUNTIME_DIR}/bootstrap, so a custom runtime in /var/task/bootstrap never starts."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import TYPE_CHECKING

from checker.catalog.from_image import AWS_ENTRYPOINT, command
from checker.findings import Finding, Severity
from checker.lambda_env import RUNTIME_BOOTSTRAP, RUNTIME_DIR, TASK_ROOT
from checker.rules.base import NotApplicable, RuleContext
from checker.rules.executable import executable_findings
from checker.rules.view import Located

if TYPE_CHECKING:
    from checker.image.reader import ImageFacts

IMAGE_BYTES = 10_737_418_240
_RUNTIME_DIR_MARKERS = (RUNTIME_BOOTSTRAP.encode(), b"LAMBDA_RUNTIME_DIR")


def _gib(size: int) -> str:
    return f"{size / 1024 ** 3:.2f} GiB"


class ImageRule:
    id = "image"
    summary = "The image's architecture, size and entrypoint fit Lambda"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        image = ctx.image
        if image is None:
            raise NotApplicable("not a container image")
        yield from self._config(ctx, image)
        argv = command(image)
        if argv is None:
            yield self._error("", "the image has neither ENTRYPOINT nor CMD: Lambda has nothing "
                              "to start", "build FROM a public.ecr.aws/lambda base image, or set "
                              "ENTRYPOINT to your runtime", "ENTRYPOINT")
            return
        yield from self._entrypoint(ctx, image, argv)

    def _config(self, ctx: RuleContext, image: ImageFacts) -> Iterator[Finding]:
        config = image.config
        if config.architecture != ctx.arch:
            yield self._error("", f"the image is built for {config.architecture}; the function "
                              f"runs on {ctx.arch}: Lambda fails with 'exec format error' (or "
                              "rejects the image)", f"docker build --platform "
                              f"linux/{'arm64' if ctx.arch == 'arm64' else 'amd64'}",
                              config.architecture)
        if config.os != "linux":
            yield self._error("", f"the image's OS is {config.os}; Lambda runs Linux images",
                              "build a linux image", config.os)
        limit = ctx.limit("image_bytes", IMAGE_BYTES)
        if image.all_layers_size > limit:  # "uncompressed image size, including all layers"
            yield self._error("", f"the image's layers are {_gib(image.all_layers_size)} "
                              f"uncompressed, over Lambda's {_gib(limit)} limit"
                              f"{ctx.limit_sources('image_bytes')}",
                              "slim the image (multi-stage build; files deleted in a later "
                              "layer still count)", f"{image.all_layers_size} bytes")

    def _entrypoint(self, ctx: RuleContext, image: ImageFacts,
                    argv: tuple[str, ...]) -> Iterator[Finding]:
        program = self._find(ctx, image, argv[0])
        if program is None:
            yield self._error("", f"the entrypoint {argv[0]} does not exist in the image: the "
                              f"container fails with 'exec: {argv[0]}: not found'",
                              "fix ENTRYPOINT/CMD or COPY the program in", argv[0])
            return
        yield from executable_findings(self.id, ctx, program, "the entrypoint")
        if program.abs_path == AWS_ENTRYPOINT:
            yield from self._aws_entrypoint(ctx, image, argv[1:])

    def _aws_entrypoint(self, ctx: RuleContext, image: ImageFacts,
                        args: tuple[str, ...]) -> Iterator[Finding]:
        if len(args) != 1:
            yield self._error("", f"{AWS_ENTRYPOINT} gets {len(args)} arguments; it takes exactly "
                              "one, the handler (from CMD), and otherwise exits 142 with "
                              "'entrypoint requires the handler name to be the first argument'",
                              'set CMD ["your.handler"] (one element)', f"{len(args)} arguments")
        script = image.filesystem.texts.get(AWS_ENTRYPOINT.lstrip("/"), b"")
        if not any(marker in script for marker in _RUNTIME_DIR_MARKERS):
            return  # not the provided-style script: the runtime's own client starts
        env = dict(image.config.env)
        runtime_dir = env.get("LAMBDA_RUNTIME_DIR", RUNTIME_DIR)
        bootstrap = posixpath.join(runtime_dir, "bootstrap")
        found = ctx.view.resolve(bootstrap)
        if found is not None:
            yield from executable_findings(self.id, ctx, found, "the runtime bootstrap")
            return
        task_root = env.get("LAMBDA_TASK_ROOT", TASK_ROOT)
        misplaced = ctx.view.resolve(posixpath.join(task_root, "bootstrap"))
        if misplaced is not None:
            yield self._error(misplaced.report_path,
                              f"the custom runtime is at {misplaced.abs_path}, but "
                              f"{AWS_ENTRYPOINT} execs {bootstrap}: it never starts "
                              f"('exec: {bootstrap}: not found', exit 127)",
                              f"COPY it to ${{LAMBDA_RUNTIME_DIR}} ({runtime_dir}/bootstrap), "
                              "or set ENTRYPOINT to your bootstrap", bootstrap)
        else:
            yield self._error("", f"{AWS_ENTRYPOINT} execs {bootstrap}, which does not exist: "
                              f"'exec: {bootstrap}: not found', exit 127",
                              f"COPY your runtime's bootstrap to {runtime_dir}/bootstrap",
                              bootstrap)

    def _find(self, ctx: RuleContext, image: ImageFacts, program: str) -> Located | None:
        if "/" in program:
            return ctx.view.resolve(program if program.startswith("/")
                                    else posixpath.join(image.config.workdir or "/", program))
        path = dict(image.config.env).get("PATH", "/usr/local/bin:/usr/bin:/bin")
        for directory in path.split(":"):
            found = ctx.view.resolve(posixpath.join(directory or "/", program))
            if found is not None:
                return found
        return None

    def _error(self, path: str, message: str, hint: str, subject: str) -> Finding:
        return Finding(rule=self.id, severity=Severity.ERROR, path=path, message=message,
                       hint=hint, subject=subject)
