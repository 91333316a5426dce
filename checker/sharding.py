"""Splitting targets across CI jobs: a GitHub Actions matrix and deterministic shards.

`lambdacheck plan --matrix` prints `matrix_document(targets)`; each matrix job then runs
`lambdacheck run --shard <entry.shard>` with the same arguments and gets its slice. Shards
depend only on the targets' labels, so every machine computes the same split.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from checker.errors import UsageError
from checker.findings import TargetId
from checker.image.ref import ImageRef
from checker.patterns import lazy_pattern

_SHARD_SPEC = lazy_pattern(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_NOT_SLUG = lazy_pattern(r"[^a-z0-9]+")


class Shardable(Protocol):
    """What sharding needs from a target (checker.options.Target has it)."""

    @property
    def id(self) -> TargetId: ...

    @property
    def artifact(self) -> Path | ImageRef: ...

    @property
    def name(self) -> str | None: ...


TargetT = TypeVar("TargetT", bound=Shardable)


def parse_shard(spec: str) -> tuple[int, int]:
    """"I/N" -> (I, N), 1 <= I <= N; UsageError otherwise."""
    match = _SHARD_SPEC().match(spec)
    index, count = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if not 1 <= index <= count:
        raise UsageError(f"invalid shard '{spec}'",
                         hint="use I/N with 1 <= I <= N, e.g. --shard 2/4")
    return index, count


def _order(targets: Sequence[Shardable]) -> list[int]:
    """Indexes of targets in the order shards are cut from: by label, ties in input order."""
    return sorted(range(len(targets)), key=lambda i: targets[i].id.label())


def ordered(targets: Sequence[TargetT]) -> list[TargetT]:
    """Targets in the order shards are cut from."""
    return [targets[i] for i in _order(targets)]


def shard(targets: Sequence[TargetT], spec: str) -> tuple[TargetT, ...]:
    """Shard I of N: every Nth target (round-robin) of the label order, from the Ith.

    The shards of one N are disjoint and together hold every target. The result keeps the
    input order; it is empty when there are fewer targets than shards.
    """
    index, count = parse_shard(spec)
    chosen = sorted(_order(targets)[index - 1 :: count])
    return tuple(targets[i] for i in chosen)


def matrix(targets: Sequence[Shardable], jobs: int | None = None) -> list[dict[str, str]]:
    """Entries for a GitHub Actions `strategy.matrix.include`.

    One entry per target by default (shard k/N picks exactly the kth target); with `jobs`
    smaller than the number of targets, `jobs` entries of several targets each. Every value
    is a string: id (unique, file-name safe), name, shard, artifact, runtime, arch, targets.
    """
    if jobs is not None and jobs < 1:
        raise UsageError(f"invalid job count {jobs}", hint="pass a positive number of jobs")
    count = len(targets) if jobs is None else min(jobs, len(targets))
    if count == len(targets):
        entries = [_target_entry(target, k, count) for k, target in
                   enumerate(ordered(targets), start=1)]
    else:
        entries = [_shard_entry(shard(targets, f"{k}/{count}"), k, count)
                   for k in range(1, count + 1)]
    return _unique_ids(entries)


def matrix_document(targets: Sequence[Shardable],
                    jobs: int | None = None) -> dict[str, list[dict[str, str]]]:
    """The JSON object to hand to `fromJSON()` as a job's `strategy.matrix`."""
    return {"include": matrix(targets, jobs)}


def _target_entry(target: Shardable, k: int, count: int) -> dict[str, str]:
    artifact = target.artifact
    name = target.name or (artifact.name if isinstance(artifact, Path)
                           else str(artifact).partition(":")[2])
    return {
        "id": "-".join(_slug(part) for part in (name, target.id.runtime, target.id.arch)),
        "name": name,
        "shard": f"{k}/{count}",
        "artifact": str(target.artifact),
        "runtime": target.id.runtime,
        "arch": target.id.arch,
        "targets": "1",
    }


def _shard_entry(members: Sequence[Shardable], k: int, count: int) -> dict[str, str]:
    return {
        "id": f"shard-{k}-of-{count}",
        "name": f"shard {k}/{count}",
        "shard": f"{k}/{count}",
        "artifact": _distinct(str(t.artifact) for t in members),
        "runtime": _distinct(t.id.runtime for t in members),
        "arch": _distinct(t.id.arch for t in members),
        "targets": str(len(members)),
    }


def _distinct(values: Iterable[str]) -> str:
    return ", ".join(dict.fromkeys(values))


def _slug(text: str) -> str:
    return _NOT_SLUG().sub("-", text.lower()).strip("-") or "x"


def _unique_ids(entries: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: dict[str, int] = {}
    for entry in entries:
        base = entry["id"]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            entry["id"] = f"{base}-{seen[base]}"
    return entries
