"""checker.records: a record behaves as `@dataclass(frozen=True)` does. The oracle is a twin
class made with the real dataclass(frozen=True): same fields, same values."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from checker.records import mutable_record, record


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


@record
class Later:
    """Fields __init__ does not take: a factory one, a default one, and a __post_init__."""

    x: int
    made: list[int] = field(default_factory=list, init=False)
    flag: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.made.append(self.x)


@dataclass(frozen=True)
class LaterTwin:
    """The same as Later, made by dataclass itself."""

    x: int
    made: list[int] = field(default_factory=list, init=False)
    flag: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.made.append(self.x)


def _signature_text(cls: type) -> str:
    import inspect

    return str(inspect.signature(cls))


def test_init_is_dataclasss_own() -> None:
    """Parameters, defaults, annotations, factories (a new object each time), init=False
    fields and __post_init__: what dataclass(frozen=True) makes, compared with its twins."""
    assert _signature_text(Point) == _signature_text(Twin)
    assert _signature_text(Later) == _signature_text(LaterTwin) == "(x: 'int') -> None"
    assert Point.__init__.__qualname__ == "Point.__init__"
    assert Point(1).tags == () and Point(1, "b", ("t",)).tags == ("t",)
    assert Point(1, y="c", note="n") == Point(1, "c", (), "m")  # note is not compared
    later = Later(3)
    assert (later.made, later.flag) == ([3], False) == (LaterTwin(3).made, LaterTwin(3).flag)
    assert Later(3).made is not later.made  # the factory runs for every instance
    assert "flag" not in later.__dict__  # as dataclass leaves it: the class attribute
    for args, kwargs in (((), {}), ((1, "a", (), "", 5), {}), ((1,), {"z": 1}),
                         ((1,), {"x": 2})):
        with pytest.raises(TypeError) as ours:
            Point(*args, **kwargs)
        with pytest.raises(TypeError) as theirs:
            Twin(*args, **kwargs)
        assert str(ours.value) == str(theirs.value).replace("Twin", "Point"), (args, kwargs)


def test_init_is_made_on_first_use_and_kept() -> None:
    @record
    class Fresh:
        """A record nothing has used yet."""

        a: int

    assert type(Fresh.__dict__["__init__"]).__name__ == "_LazyInit"
    assert Fresh(1).a == 1
    made = Fresh.__dict__["__init__"]
    assert callable(made) and made.__name__ == "__init__"
    assert Fresh(2).a == 2 and Fresh.__dict__["__init__"] is made  # compiled once


def test_frozen_errors_and_params_are_dataclasss() -> None:
    point, twin = Point(1), Twin(1)
    for target in (point, twin):
        with pytest.raises(dataclasses.FrozenInstanceError) as raised:
            target.x = 2  # type: ignore[misc]
        assert str(raised.value) == "cannot assign to field 'x'"
        with pytest.raises(dataclasses.FrozenInstanceError) as raised:
            target.other = 2  # type: ignore[attr-defined]
        assert str(raised.value) == "cannot assign to field 'other'"
        with pytest.raises(dataclasses.FrozenInstanceError) as raised:
            del target.y  # type: ignore[misc]
        assert str(raised.value) == "cannot delete field 'y'"
    ours = Point.__dataclass_params__  # type: ignore[attr-defined]
    theirs = Twin.__dataclass_params__  # type: ignore[attr-defined]
    assert repr(ours) == repr(theirs)


def test_what_the_fast_path_leaves_to_dataclass_still_works() -> None:
    """Keyword-only fields, an InitVar and a record deriving from a record are made by
    dataclass(frozen=True) itself, with the shared methods; a mutable record on a frozen one is
    refused as dataclass refuses a mutable dataclass there."""
    @record
    class KeywordOnly:
        """A keyword-only field."""

        a: int
        b: int = field(default=0, kw_only=True)

    @record
    class WithInitVar:
        """An InitVar that __post_init__ takes."""

        a: int
        scale: dataclasses.InitVar[int] = 1

        def __post_init__(self, scale: int) -> None:
            object.__setattr__(self, "a", self.a * scale)

    @record
    class Derived(Point):
        """A record on a record."""

        z: int = 0

    assert KeywordOnly(1, b=2) == KeywordOnly(1, b=2) != KeywordOnly(1)
    with pytest.raises(TypeError):
        KeywordOnly(1, 2)  # type: ignore[misc]
    assert WithInitVar(2, 3).a == 6
    derived = Derived(1, "b", z=5)
    assert (derived.x, derived.y, derived.z) == (1, "b", 5)
    assert repr(derived).endswith("Derived(x=1, y='b', tags=(), z=5)")
    with pytest.raises(dataclasses.FrozenInstanceError):
        derived.z = 1  # type: ignore[misc]
    with pytest.raises(TypeError, match="cannot inherit non-frozen dataclass from a frozen one"):
        @mutable_record
        class Thawed(Point):
            """Refused."""

    with pytest.raises(TypeError, match="cannot inherit frozen dataclass from a non-frozen one"):
        @record
        class Frozen(Counter):
            """Refused, as dataclass(frozen=True) refuses it."""

    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):
        @record
        class Misordered:
            """Refused at class creation, as dataclass refuses it."""

            a: int = 0
            b: int  # type: ignore[misc]


@mutable_record
class Counter:
    """A mutable record: defaults, a factory, a field left out of eq and repr."""

    name: str
    count: int = 0
    seen: list[str] = field(default_factory=list)
    note: str = field(default="", compare=False, repr=False)


@dataclass
class CounterTwin:
    """The same as Counter, made by dataclass itself."""

    name: str
    count: int = 0
    seen: list[str] = field(default_factory=list)
    note: str = field(default="", compare=False, repr=False)


def test_a_mutable_record_is_a_mutable_dataclass() -> None:
    ours, theirs = Counter("a"), CounterTwin("a")
    assert _signature_text(Counter) == _signature_text(CounterTwin)
    assert repr(ours) == repr(theirs).replace("CounterTwin(", "Counter(")
    ours.count += 2
    theirs.count += 2
    ours.seen.append("x")
    assert (ours.count, ours.seen) == (2, ["x"])
    assert ours == Counter("a", 2, ["x"], note="other") and ours != Counter("a", 3, ["x"])
    assert ours != theirs and ours.__eq__(theirs) is NotImplemented
    assert Counter.__hash__ is None and CounterTwin.__hash__ is None  # unhashable, as dataclass
    with pytest.raises(TypeError):
        hash(ours)
    assert repr(Counter.__dataclass_params__) == repr(  # type: ignore[attr-defined]
        CounterTwin.__dataclass_params__)  # type: ignore[attr-defined]
    assert dataclasses.asdict(ours) == {"name": "a", "count": 2, "seen": ["x"], "note": ""}
    assert dataclasses.replace(ours, count=7).count == 7


def test_every_frozen_dataclass_in_checker_is_a_record() -> None:
    """`@dataclass` compiles its methods in each process at import (~0.35 ms a frozen class),
    a record nothing until used (see checker/records.py): a new dataclass in checker/ is a
    @record or a @mutable_record (slots=True ones excepted). Found with ast."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "checker"
    def frozen_dataclass(decorator: ast.expr) -> bool:
        if isinstance(decorator, ast.Name):  # a bare @dataclass: @mutable_record instead
            return decorator.id == "dataclass"
        return (isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") ==
                "dataclass" and not any(k.arg == "slots" for k in decorator.keywords))

    frozen = [f"{path.relative_to(package)}:{node.lineno}: {node.name}"
              for path in sorted(package.rglob("*.py"))
              for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
              if isinstance(node, ast.ClassDef)
              and any(map(frozen_dataclass, node.decorator_list))]
    assert not frozen, ("use @record or @mutable_record (checker.records) for these:\n"
                        + "\n".join(frozen))
