"""checker.records: a record behaves as `@dataclass(frozen=True)` does. The oracle is a twin
class made with the real dataclass(frozen=True): same fields, same values."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from checker.records import record


@record
class Point:
    """A record with defaults, a default factory and a field left out of eq/hash/repr."""

    x: int
    y: str = "a"
    tags: tuple[str, ...] = field(default_factory=tuple)
    note: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class Twin:
    """The same as Point, made by dataclass itself."""

    x: int
    y: str = "a"
    tags: tuple[str, ...] = field(default_factory=tuple)
    note: str = field(default="", compare=False, repr=False)


@record
class Single:
    """One field: its key is still a tuple, as dataclass's hash((self.x,)) is."""

    x: int


@record
class Empty:
    """No fields at all."""


@record
class Own:
    """A class that defines its own __eq__ and __repr__: both kept, the hash still given."""

    x: int

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Own)

    def __repr__(self) -> str:
        return "Own!"


@record
class Node:
    """A record that can hold itself (through a list), for the recursion guard."""

    children: list[object]


VALUES = [(1, "a", (), ""), (1, "a", (), "other note"), (2, "a", (), ""), (1, "b", ("t",), ""),
          (1, "a", ("t", "u"), "n")]


@pytest.mark.parametrize("left", VALUES)
@pytest.mark.parametrize("right", VALUES)
def test_equality_and_hash_are_dataclasss(left: tuple[int, str, tuple[str, ...], str],
                                           right: tuple[int, str, tuple[str, ...], str]) -> None:
    ours, theirs = (Point(*left), Point(*right)), (Twin(*left), Twin(*right))
    assert (ours[0] == ours[1]) is (theirs[0] == theirs[1])
    assert (ours[0] != ours[1]) is (theirs[0] != theirs[1])
    if ours[0] == ours[1]:
        assert hash(ours[0]) == hash(ours[1])
    assert hash(Point(*left)) == hash(Twin(*left))  # the same tuple is hashed


def test_repr_is_dataclasss_with_the_class_name() -> None:
    assert repr(Point(1, "b", ("t",), "hidden")) == repr(Twin(1, "b", ("t",), "hidden")).replace(
        "Twin(", "Point(")
    assert repr(Point(1)) == "Point(x=1, y='a', tags=())"
    assert repr(Empty()) == "Empty()"


def test_another_class_is_never_equal() -> None:
    twin: object = Twin(1)
    values: object = (1, "a", (), "")
    assert Point(1) != twin
    assert Point(1).__eq__(twin) is NotImplemented
    assert Point(1) != values


def test_one_field_and_no_fields_hash_as_dataclass_does() -> None:
    assert hash(Single(3)) == hash((3,))
    assert hash(Empty()) == hash(())
    assert Empty() == Empty()


def test_methods_the_class_defines_are_kept() -> None:
    assert Own(1) == Own(2)  # its own __eq__
    assert repr(Own(1)) == "Own!"
    assert hash(Own(1)) == hash((1,))


def test_a_record_inside_itself_repr_is_cut() -> None:
    node = Node([])
    node.children.append(node)
    assert repr(node) == "Node(children=[...])"


def test_it_is_frozen_and_a_dataclass() -> None:
    point = Point(1, tags=("t",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del point.y
    assert dataclasses.is_dataclass(point)
    assert [f.name for f in dataclasses.fields(point)] == ["x", "y", "tags", "note"]
    assert dataclasses.replace(point, x=5) == Point(5, tags=("t",))
    assert dataclasses.asdict(point) == {"x": 1, "y": "a", "tags": ("t",), "note": ""}
    assert pickle.loads(pickle.dumps(point)) == point
    assert copy.copy(point) == point and copy.deepcopy(point) == point
    assert {point: 1}[Point(1, tags=("t",), note="x")] == 1  # note is not hashed


def test_a_plain_subclass_uses_its_records_fields() -> None:
    class Sub(Point):
        pass

    assert Sub(1) == Sub(1) and Sub(1) != Sub(2)
    assert Sub(1) != Point(1)  # another class, as with dataclass
    assert hash(Sub(1)) == hash(Point(1))
    assert repr(Sub(1)).startswith("test_a_plain_subclass_uses_its_records_fields.<locals>.Sub(")


def test_every_frozen_dataclass_in_checker_is_a_record() -> None:
    """`@dataclass(frozen=True)` costs each process ~1 ms per class at import, `@record` about
    half (see checker/records.py): a new frozen class in checker/ is a record. Found with ast."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "checker"
    def frozen_dataclass(decorator: ast.expr) -> bool:
        return (isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") ==
                "dataclass" and any(k.arg == "frozen" for k in decorator.keywords)
                and not any(k.arg == "slots" for k in decorator.keywords))

    frozen = [f"{path.relative_to(package)}:{node.lineno}: {node.name}"
              for path in sorted(package.rglob("*.py"))
              for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
              if isinstance(node, ast.ClassDef)
              and any(map(frozen_dataclass, node.decorator_list))]
    assert not frozen, "use @record (checker.records) for these:\n" + "\n".join(frozen)
