"""Lambda's deployment package quotas, as its own error texts state them."""

from __future__ import annotations

from collections.abc import Iterator

from checker.findings import Finding, Severity
from checker.rules.base import NotApplicable, RuleContext

DIRECT_UPLOAD_BYTES = 52_428_800  # zipped, direct upload (S3 upload still works)
UNZIPPED_BYTES = 262_144_000  # unzipped, function + all layers
MAX_LAYERS = 5


def _mb(size: int) -> str:
    return f"{size / 1_048_576:.1f} MiB"


class QuotasRule:
    id = "quotas"
    summary = "Package sizes and layer count are within Lambda's quotas"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if ctx.image is not None:
            raise NotApplicable("a container image: the image rule checks its size")
        direct_upload = ctx.limit("zip_direct_upload_bytes", DIRECT_UPLOAD_BYTES)
        unzipped = ctx.limit("unzipped_bytes", UNZIPPED_BYTES)
        max_layers = ctx.limit("layers_max", MAX_LAYERS)
        archive = ctx.function.archive_size
        if archive is not None and archive > direct_upload:
            yield Finding(
                rule=self.id, severity=Severity.WARNING, path="",
                message=f"the ZIP is {_mb(archive)} ({archive:,} bytes), over the "
                        f"{direct_upload:,}-byte limit for direct upload"
                        f"{ctx.limit_sources('zip_direct_upload_bytes')}",
                hint="upload it through S3 (that limit does not apply), or trim it",
                subject=f"{archive} bytes",
            )
        total = sum(a.unpacked_size for a in ctx.artifacts())
        if total > unzipped:
            parts = ", ".join(f"{a.name}: {_mb(a.unpacked_size)}" for a in ctx.artifacts())
            yield Finding(
                rule=self.id, severity=Severity.ERROR, path="",
                message=f"unzipped size {_mb(total)} ({total:,} bytes) is over Lambda's "
                        f"{unzipped:,}-byte limit for the function and its layers"
                        f"{ctx.limit_sources('unzipped_bytes')}",
                hint="remove tests, docs, caches and unused packages, strip binaries, "
                     "or deploy as a container image (up to 10 GB)",
                subject=f"{total} bytes", details=(parts,),
            )
        if len(ctx.layers) > max_layers:
            yield Finding(
                rule=self.id, severity=Severity.ERROR, path="",
                message=f"{len(ctx.layers)} layers; a function can use at most {max_layers}"
                        f"{ctx.limit_sources('layers_max')}",
                hint="merge layers",
                subject=f"{len(ctx.layers)} layers",
            )


class DeprecationRule:
    id = "runtime-deprecated"
    summary = "The runtime is still supported"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        runtime = ctx.runtime
        if runtime.deprecated is None:
            return
        days_left = (runtime.deprecated - ctx.today).days
        if days_left > 180:
            return
        sources = f" (source: {', '.join(runtime.deprecated_sources)})" \
            if runtime.deprecated_sources else ""
        if days_left <= 0:
            message = f"{runtime.name} was deprecated on {runtime.deprecated.isoformat()}{sources}"
            severity = Severity.WARNING
        else:
            message = (f"{runtime.name} is deprecated on {runtime.deprecated.isoformat()}, "
                       f"in {days_left} days{sources}")
            severity = Severity.INFO
        yield Finding(
            rule=self.id, severity=severity, path="", message=message,
            hint="move to a supported runtime: lambdacheck runtimes lists them",
            subject=runtime.name,
        )
