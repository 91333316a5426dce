"""Shards and the GitHub Actions matrix, on real Target objects."""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checker.catalog.model import Runtime
from checker.errors import UsageError
from checker.options import Target
from checker.sharding import matrix, matrix_document, parse_shard, shard
from tests.build.runtimes import python_runtime, runtime

PY312 = python_runtime("3.12")
PROVIDED = runtime("provided.al2023")


def target(artifact: str, rt: Runtime = PY312, arch: str = "x86_64",
           name: str | None = None) -> Target:
    return Target(artifact=Path(artifact), runtime=rt, arch=arch, name=name)


def labels(targets: Iterable[Target]) -> list[str]:
    return sorted(t.id.label() for t in targets)


FIVE = (target("e.zip"), target("c.zip"), target("a.zip"), target("d.zip"), target("b.zip"))


@pytest.mark.parametrize(("spec", "expected"), [("1/1", (1, 1)), ("3/8", (3, 8)),
                                                (" 2 / 4 ", (2, 4))])
def test_parse_shard(spec: str, expected: tuple[int, int]) -> None:
    assert parse_shard(spec) == expected


@pytest.mark.parametrize("spec", ["0/3", "4/3", "1/0", "a/b", "", "1-3", "-1/3", "1/3/4"])
def test_invalid_shard_is_a_usage_error(spec: str) -> None:
    with pytest.raises(UsageError, match="invalid shard") as caught:
        parse_shard(spec)
    assert caught.value.hint == "use I/N with 1 <= I <= N, e.g. --shard 2/4"


def test_shards_are_round_robin_over_the_label_order_and_keep_input_order() -> None:
    # label order: a, b, c, d, e -> shard 1/2 = a, c, e; shard 2/2 = b, d
    assert [t.artifact.name for t in shard(FIVE, "1/2")] == ["e.zip", "c.zip", "a.zip"]
    assert [t.artifact.name for t in shard(FIVE, "2/2")] == ["d.zip", "b.zip"]
    assert [t.artifact.name for t in shard(FIVE, "3/3")] == ["c.zip"]
    assert shard(FIVE, "6/6") == ()


def test_shards_do_not_depend_on_input_order() -> None:
    shuffled = list(FIVE)
    random.Random(7).shuffle(shuffled)
    for k in (1, 2, 3):
        assert labels(shard(shuffled, f"{k}/3")) == labels(shard(FIVE, f"{k}/3"))


def test_name_runtime_and_arch_take_part_in_the_order() -> None:
    targets = (target("fn.zip", arch="arm64"), target("fn.zip", arch="x86_64"),
               target("fn.zip", PROVIDED), target("other.zip", name="aaa"))
    # labels: "aaa on python3.12 (x86_64)", "fn.zip on provided.al2023 (x86_64)",
    #         "fn.zip on python3.12 (arm64)", "fn.zip on python3.12 (x86_64)"
    assert shard(targets, "1/4") == (targets[3],)
    assert shard(targets, "2/4") == (targets[2],)
    assert shard(targets, "3/4") == (targets[0],)
    assert shard(targets, "4/4") == (targets[1],)


@given(names=st.lists(st.text("abcXYZ019-_.", min_size=1, max_size=8), max_size=25,
                     unique=True),
       count=st.integers(min_value=1, max_value=12), seed=st.integers(0, 1000))
def test_every_target_lands_in_exactly_one_shard(names: list[str], count: int,
                                                 seed: int) -> None:
    targets = [target(f"{name}.zip") for name in names]
    shards = [shard(targets, f"{k}/{count}") for k in range(1, count + 1)]
    placed = [t for part in shards for t in part]
    assert sorted(placed, key=targets.index) == targets
    assert max(map(len, shards)) - min(map(len, shards)) <= 1
    random.Random(seed).shuffle(targets)
    reshuffled = [labels(shard(targets, f"{k}/{count}")) for k in range(1, count + 1)]
    assert reshuffled == [labels(part) for part in shards]


def test_matrix_has_one_entry_per_target_in_shard_order() -> None:
    targets = (target("dist/b.zip", arch="arm64", name="orders-api"), target("dist/a.zip"))

    assert matrix(targets) == [
        {"id": "a-zip-python3-12-x86-64", "name": "a.zip", "shard": "1/2",
         "artifact": "dist/a.zip", "runtime": "python3.12", "arch": "x86_64", "targets": "1"},
        {"id": "orders-api-python3-12-arm64", "name": "orders-api", "shard": "2/2",
         "artifact": "dist/b.zip", "runtime": "python3.12", "arch": "arm64", "targets": "1"},
    ]


def test_each_matrix_entry_shard_selects_exactly_its_target() -> None:
    for entry in matrix(FIVE):
        (selected,) = shard(FIVE, entry["shard"])
        assert selected.artifact.name == entry["name"]


def test_matrix_ids_are_unique() -> None:
    targets = (target("one/fn.zip"), target("two/fn.zip"), target("three/fn.zip"))
    assert [e["id"] for e in matrix(targets)] == [
        "fn-zip-python3-12-x86-64", "fn-zip-python3-12-x86-64-2", "fn-zip-python3-12-x86-64-3"]


def test_matrix_with_fewer_jobs_groups_targets_into_shards() -> None:
    assert matrix(FIVE, jobs=2) == [
        {"id": "shard-1-of-2", "name": "shard 1/2", "shard": "1/2",
         "artifact": "e.zip, c.zip, a.zip", "runtime": "python3.12", "arch": "x86_64",
         "targets": "3"},
        {"id": "shard-2-of-2", "name": "shard 2/2", "shard": "2/2",
         "artifact": "d.zip, b.zip", "runtime": "python3.12", "arch": "x86_64",
         "targets": "2"},
    ]
    assert len(matrix(FIVE, jobs=9)) == 5


def test_matrix_document_and_bad_job_count() -> None:
    assert matrix_document(()) == {"include": []}
    with pytest.raises(UsageError, match="invalid job count 0"):
        matrix(FIVE, jobs=0)
