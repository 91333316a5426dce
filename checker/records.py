"""Frozen records: dataclasses whose equality, hash and repr are shared, not generated per class.

Python 3.11's dataclass() compiles six methods for every frozen class (__init__, __repr__,
__eq__, __hash__, __setattr__, __delattr__), an exec() each: about 1 ms a class here, paid at
import by every lambdacheck process (57 classes on a plain check's path, a quarter of a tiny
check). `@record` is `@dataclass(frozen=True)` with dataclass() making only what must be made
per class (__init__, and the frozen __setattr__ and __delattr__); every record shares one
__eq__, __hash__ and __repr__ that do what the generated ones do:
- equal when `other` is of the very same class and every compared field (compare=True) is
  equal; NotImplemented for another class;
- the hash of the tuple of the hashed fields (hash=True, or hash=None and compare=True);
- `QualName(field=value, ...)` over the repr=True fields, "..." for a record inside itself.
A method the class body defines is kept, as dataclass() keeps it (an __eq__ of its own with no
__hash__ still gets the shared hash, as dataclass(frozen=True) gives it the generated one).
A record is a dataclass: dataclasses.fields/replace/asdict, pickle and copy work as before.
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

_T = TypeVar("_T")
_Key = Callable[[Any], tuple[Any, ...]]

_EQ_KEYS: dict[type, _Key] = {}
_HASH_KEYS: dict[type, _Key] = {}
_REPR_NAMES: dict[type, tuple[str, ...]] = {}


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def record(cls: type[_T]) -> type[_T]:
    """`@dataclass(frozen=True)`, with the shared __eq__, __hash__ and __repr__ (see above)."""
    own = dict(cls.__dict__)
    made = dataclasses.dataclass(frozen=True, eq=False, repr=False)(cls)
    fields = dataclasses.fields(made)  # type: ignore[arg-type]
    _EQ_KEYS[made] = _key(tuple(f.name for f in fields if f.compare))
    _HASH_KEYS[made] = _key(tuple(f.name for f in fields
                                  if (f.compare if f.hash is None else f.hash)))
    _REPR_NAMES[made] = tuple(f.name for f in fields if f.repr)
    if "__eq__" not in own:
        setattr(made, "__eq__", _eq)  # noqa: B010 (a method set on a made class)
    class_hash = own.get("__hash__", dataclasses.MISSING)
    if class_hash is dataclasses.MISSING or (class_hash is None and "__eq__" in own):
        setattr(made, "__hash__", _hash)  # noqa: B010
    if "__repr__" not in own:
        setattr(made, "__repr__", _repr)  # noqa: B010
    return made


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
