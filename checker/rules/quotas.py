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
