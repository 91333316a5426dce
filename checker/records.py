"""Frozen records: dataclasses whose methods are shared or made when first needed.

Python 3.11's dataclass() compiles six methods for every frozen class (__init__, __repr__,
__eq__, __hash__, __setattr__, __delattr__), an exec() each: ~0.35 ms a class on a quiet
machine here, paid at import by every lambdacheck process (57 classes on a plain check's path,
most never instantiated by it). `@record` is `@dataclass(frozen=True)` with nothing compiled at
class creation: dataclass() only collects the fields (eq, repr, init and frozen off, so it
generates no code), and
- every record shares one __eq__, __hash__, __repr__, __setattr__ and __delattr__ that do what
  the generated ones do: equal when `other` is of the very same class and every compared field
  (compare=True) is equal, NotImplemented for another class; the hash of the tuple of the
  hashed fields (hash=True, or hash=None and compare=True); `QualName(field=value, ...)` over
  the repr=True fields, "..." for a record inside itself; FrozenInstanceError on assigning or
  deleting a field (or any attribute of the record's own class, as dataclass does);
- __init__ is the very function dataclass(frozen=True) would make (same parameters, defaults,
  default factories, init=False fields, __post_init__, annotations), compiled the first time
  anything asks the class for it: the first instantiation, inspect.signature(), help().
A method the class body defines is kept, as dataclass() keeps it (an __eq__ of its own with no
__hash__ still gets the shared hash, as dataclass(frozen=True) gives it the generated one).
What this fast path does not cover (a field named `self`, keyword-only fields, InitVar, a
dataclass base) is made by dataclass(frozen=True) itself, with the shared eq/hash/repr.
A record is a dataclass: dataclasses.fields/replace/asdict, pickle and copy work as before, and
its __dataclass_params__ say init, repr, eq and frozen, as a frozen dataclass's do.
`@mutable_record` is the same for `@dataclass` (fields assigned as usual, no hash, as
dataclass(eq=True) leaves a mutable class without one).
"""

from __future__ import annotations

import dataclasses
import reprlib
import sys
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar

_T = TypeVar("_T")

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - exercised on 3.10 only: the decorator only tells type checkers

    def dataclass_transform(**_: Any) -> Callable[[_T], _T]:
        return lambda decorated: decorated
_Key = Callable[[Any], tuple[Any, ...]]

_EQ_KEYS: dict[type, _Key] = {}
_HASH_KEYS: dict[type, _Key] = {}
_REPR_NAMES: dict[type, tuple[str, ...]] = {}
_FIELD_NAMES: dict[type, frozenset[str]] = {}
_RECORDS: set[type] = set()  # the classes @record made (the tables above also cache subclasses)


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def record(cls: type[_T]) -> type[_T]:
    """`@dataclass(frozen=True)`, its methods shared or made when first needed (see above)."""
    return _make(cls, frozen=True)


@dataclass_transform(field_specifiers=(dataclasses.field,))
def mutable_record(cls: type[_T]) -> type[_T]:
    """`@dataclass`, the same way: fields assigned as usual, __eq__ shared, no hash (as
    dataclass(eq=True) leaves a mutable class without one unless the class defines it)."""
    return _make(cls, frozen=False)


def _make(cls: type[_T], *, frozen: bool) -> type[_T]:
    own = dict(cls.__dict__)
    if _needs_dataclass(cls):
        made = dataclasses.dataclass(frozen=frozen, eq=False, repr=False)(cls)
    else:
        made = dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
        fields = dataclasses.fields(made)  # type: ignore[arg-type]
        _check_defaults(fields)
        params = made.__dataclass_params__  # type: ignore[attr-defined]
        params.init = params.repr = params.eq = True
        params.frozen = frozen
        if "__init__" not in own:
            setattr(made, "__init__", _LazyInit(made, frozen=frozen))  # noqa: B010 (on a made class)
        if frozen and "__setattr__" not in own:
            setattr(made, "__setattr__", _frozen_setattr)  # noqa: B010
        if frozen and "__delattr__" not in own:
            setattr(made, "__delattr__", _frozen_delattr)  # noqa: B010
    fields = dataclasses.fields(made)  # type: ignore[arg-type]
    _EQ_KEYS[made] = _key(tuple(f.name for f in fields if f.compare))
    _HASH_KEYS[made] = _key(tuple(f.name for f in fields
                                  if (f.compare if f.hash is None else f.hash)))
    _REPR_NAMES[made] = tuple(f.name for f in fields if f.repr)
    _FIELD_NAMES[made] = frozenset(f.name for f in fields)
    _RECORDS.add(made)
    if "__eq__" not in own:
        setattr(made, "__eq__", _eq)  # noqa: B010
    class_hash = own.get("__hash__", dataclasses.MISSING)
    if class_hash is dataclasses.MISSING or (class_hash is None and "__eq__" in own):
        setattr(made, "__hash__", _hash if frozen else None)  # noqa: B010
    if "__repr__" not in own:
        setattr(made, "__repr__", _repr)  # noqa: B010
    return made


def _needs_dataclass(cls: type) -> bool:
    """Whether `cls` is outside the fast path: a dataclass base, a record among them (then
    dataclass() itself decides what may derive from it, and refuses what it refuses), a field
    named `self`, keyword-only fields or an InitVar."""
    if any("__dataclass_params__" in base.__dict__ for base in cls.__mro__[1:]):
        return True
    annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 - as dataclass reads
    if "self" in annotations:
        return True
    for name, kind in annotations.items():
        text = kind if isinstance(kind, str) else getattr(kind, "__name__", repr(kind))
        if "InitVar" in text or "KW_ONLY" in text:
            return True
        value = cls.__dict__.get(name)
        if isinstance(value, dataclasses.Field) and value.kw_only is True:
            return True
    return False


def _check_defaults(fields: tuple[dataclasses.Field[Any], ...]) -> None:
    """dataclass()'s own check at class creation (its __init__ would not compile otherwise)."""
    seen_default = False
    for f in fields:
        if not f.init:
            continue
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")


class _LazyInit:
    """A record's __init__ before anything asked for it: the first lookup (an instantiation,
    inspect.signature, help) compiles the real one into the class and hands that out."""

    __slots__ = ("frozen", "owner")

    def __init__(self, owner: type, *, frozen: bool) -> None:
        self.owner, self.frozen = owner, frozen

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        made = _make_init(self.owner, frozen=self.frozen)
        type.__setattr__(self.owner, "__init__", made)
        return made if instance is None else made.__get__(instance, owner)


class _Factory:
    """The default of a parameter left to its default factory (shown as dataclasses shows it)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"


_HAS_DEFAULT_FACTORY = _Factory()


def _make_init(cls: type, *, frozen: bool) -> Callable[..., None]:
    """The __init__ dataclass() gives `cls`: one line a field, as it writes them."""
    names: dict[str, Any] = {"_object": object, "_HAS_DEFAULT_FACTORY": _HAS_DEFAULT_FACTORY}
    params, lines = ["self"], []
    annotations: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        default = f"_dflt_{f.name}"
        if f.default_factory is not dataclasses.MISSING:
            names[default] = f.default_factory
            value = (f"{default}() if {f.name} is _HAS_DEFAULT_FACTORY else {f.name}" if f.init
                     else f"{default}()")
        elif f.init:
            value = f.name
            if f.default is not dataclasses.MISSING:
                names[default] = f.default
        else:
            continue  # no factory and not an argument: the class attribute is its default
        if f.init:
            annotations[f.name] = f.type
            params.append(f.name if f.default is dataclasses.MISSING and
                          f.default_factory is dataclasses.MISSING else
                          f"{f.name}=_HAS_DEFAULT_FACTORY"
                          if f.default_factory is not dataclasses.MISSING else
                          f"{f.name}={default}")
        lines.append(f"  _object.__setattr__(self, {f.name!r}, {value})" if frozen else
                     f"  self.{f.name} = {value}")
    if hasattr(cls, "__post_init__"):
        lines.append("  self.__post_init__()")
    source = f"def __init__({', '.join(params)}):\n" + ("\n".join(lines) or "  pass") + "\n"
    exec(source, names)  # noqa: S102 - our own text, as dataclasses makes it
    made: Callable[..., None] = names["__init__"]
    made.__qualname__ = f"{cls.__qualname__}.__init__"
    made.__module__ = cls.__module__
    made.__annotations__ = {**annotations, "return": None}
    return made


def _frozen_setattr(self: object, name: str, value: object) -> None:
    cls = self.__class__
    if cls in _RECORDS or name in _of(_FIELD_NAMES, cls):
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
    object.__setattr__(self, name, value)


def _frozen_delattr(self: object, name: str) -> None:
    cls = self.__class__
    if cls in _RECORDS or name in _of(_FIELD_NAMES, cls):
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
    object.__delattr__(self, name)


def _key(names: tuple[str, ...]) -> _Key:
    """The fields `names` of an instance, as a tuple (attrgetter gives a bare value for one)."""
    if not names:
        return lambda _obj: ()
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return attrgetter(*names)


def _of(table: dict[type, Any], cls: type) -> Any:
    """The entry of `cls`, or of the nearest record it derives from (a plain subclass)."""
    found = table.get(cls)
    if found is None:
        found = next(table[base] for base in cls.__mro__ if base in table)
        table[cls] = found
    return found


def _eq(self: object, other: object) -> object:  # bool, or NotImplemented
    if other.__class__ is self.__class__:
        key: _Key = _of(_EQ_KEYS, self.__class__)
        return bool(key(self) == key(other))
    return NotImplemented


def _hash(self: object) -> int:
    key: _Key = _of(_HASH_KEYS, self.__class__)
    return hash(key(self))


@reprlib.recursive_repr()
def _repr(self: object) -> str:
    names: tuple[str, ...] = _of(_REPR_NAMES, self.__class__)
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
    return f"{self.__class__.__qualname__}({shown})"
