"""The function's settings against Lambda's quotas: memory, timeout, ephemeral storage and the
environment's total size (AWS counts keys and values; 4 KB for all of them together), and each
event's size against the synchronous invocation payload limit. A function on Lambda Managed
Instances (a template's CapacityProviderConfig, or --managed-instances) has its own memory
range (runtimes/limits.toml, managed_instances_*)."""

from __future__ import annotations

from collections.abc import Iterator

from checker.findings import Finding, Severity
from checker.lambda_env import (
    DEFAULT_MEMORY_MB,
    EPHEMERAL_RANGE_MB,
    MEMORY_RANGE_MB,
    TIMEOUT_RANGE_S,
)
from checker.rules.base import RuleContext


def _mb(size: int) -> str:
    """Megabytes as AWS writes them (1 MB = 1,048,576 bytes): '6 MB', '7.5 MB'."""
    return f"{size / 1_048_576:.1f}".removesuffix(".0") + " MB"


def env_size(env: tuple[tuple[str, str], ...]) -> int:
    return sum(len(key.encode()) + len(value.encode()) for key, value in env)


class LimitsRule:
    id = "limits"
    summary = "Memory, timeout, ephemeral storage and environment size are within Lambda's quotas"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        settings = ctx.settings
        if settings.managed_instances and settings.memory_mb == DEFAULT_MEMORY_MB:
            # 128 MB is the standard functions' default: most likely no MemorySize was given,
            # and what Managed Instances default to is not documented. Verify, not fail.
            low = ctx.limit("managed_instances_memory_mb_min", 2048)
            yield Finding(
                rule=self.id, severity=Severity.WARNING, path="",
                message=f"memory is {DEFAULT_MEMORY_MB} MB, the default of standard functions; "
                        f"Lambda Managed Instances need at least {low:,} MB"
                        f"{ctx.limit_sources('managed_instances_memory_mb_min')}",
                hint="set MemorySize (or --memory) for a function on Managed Instances",
                subject=f"{DEFAULT_MEMORY_MB} MB")
        elif settings.managed_instances:
            yield from self._range(ctx, "memory", settings.memory_mb,
                                   "managed_instances_memory_mb", MEMORY_RANGE_MB, "MB",
                                   where="Lambda Managed Instances'")
        else:
            yield from self._range(ctx, "memory", settings.memory_mb, "memory_mb",
                                   MEMORY_RANGE_MB, "MB")
        yield from self._range(ctx, "timeout", settings.timeout_s, "timeout_s", TIMEOUT_RANGE_S,
                               "s")
        yield from self._range(ctx, "ephemeral storage", settings.ephemeral_mb, "ephemeral_mb",
                               EPHEMERAL_RANGE_MB, "MB")
        size = env_size(settings.env)
        most = ctx.limit("env_bytes_max", 4096)
        if size > most:
            largest = max(settings.env, key=lambda kv: len(kv[0]) + len(kv[1]))[0]
            yield Finding(
                rule=self.id, severity=Severity.ERROR, path="",
                message=f"environment variables take {size:,} bytes; Lambda allows {most:,} in "
                        f"total{ctx.limit_sources('env_bytes_max')}: the deployment is rejected",
                hint=f"move large values (the largest is {largest}) to SSM Parameter Store, "
                     "Secrets Manager or a file in the package",
                subject=f"{size} bytes")
        yield from self._events(ctx)

    def _events(self, ctx: RuleContext) -> Iterator[Finding]:
        """Each event against the synchronous payload limit (an oversized one is never sent)."""
        limit = ctx.limit("invoke_payload_bytes", 6_291_456)
        for event in ctx.settings.events:
            if event.size <= limit:
                continue
            yield Finding(
                rule=self.id, severity=Severity.ERROR, path="",
                message=f"event {event.name} is {_mb(event.size)} ({event.size:,} bytes); "
                        f"Lambda's synchronous payload limit is {_mb(limit)}"
                        f"{ctx.limit_sources('invoke_payload_bytes')} (Invoke returns "
                        "RequestEntityTooLargeException); it is not sent",
                hint="invoke with a smaller event, or pass a reference (an S3 key) in it",
                subject=f"{event.size} bytes")

    def _range(self, ctx: RuleContext, what: str, value: float, key: str,
               defaults: tuple[int, int], unit: str,
               where: str = "Lambda's") -> Iterator[Finding]:
        low = ctx.limit(f"{key}_min", defaults[0])
        high = ctx.limit(f"{key}_max", defaults[1])
        if low <= value <= high:
            return
        yield Finding(
            rule=self.id, severity=Severity.ERROR, path="",
            message=f"{what} {value:g} {unit} is outside {where} {low:,}–{high:,} {unit}"
                    f"{ctx.limit_sources(f'{key}_min', f'{key}_max')}: the deployment is rejected",
            hint=f"set {what} between {low:,} and {high:,} {unit}",
            subject=f"{value:g} {unit}")
