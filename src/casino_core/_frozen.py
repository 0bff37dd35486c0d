"""A cheaper way to build the frozen value types a round makes many of (``Round``, ``PlayPlan``).

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (the class's
own ``__setattr__`` refuses): one call per field, 22 for a ``Round``. :func:`builder` returns
a function that sets the fields on a twin class with the same slots (plain attribute stores)
and then switches the instance's class to the dataclass, which CPython allows between classes
of the same slot layout. What it returns is an ordinary instance of the dataclass: frozen,
equal to and hashed like one built by ``__init__``, with the same repr and pickling.

Only for a ``slots=True`` dataclass without ``__post_init__`` (nothing to run or check at
construction); the builder takes every field as a keyword argument, no defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["builder"]

T = TypeVar("T")


def builder(cls: type[T]) -> Callable[..., T]:
    """A function taking every field of ``cls`` by keyword and returning an instance."""
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__}: a builder needs a slots dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: a builder would skip its __post_init__")
    names = [f.name for f in dataclasses.fields(cls)]
    if tuple(names) != tuple(cls.__dict__["__slots__"]):
        raise TypeError(f"{cls.__name__}: its slots are not exactly its fields")
    twin = type(f"_{cls.__name__}Draft", (), {"__slots__": tuple(names)})
    assigned = "".join(f"    d.{name} = {name}\n" for name in names)
    source = (
        f"def build(*, {', '.join(names)}):\n"
        f"    d = _Twin()\n{assigned}    d.__class__ = _Cls\n    return d\n"
    )
    namespace: dict[str, Any] = {"_Twin": twin, "_Cls": cls}
    exec(source, namespace)  # noqa: S102 - the source is made of the dataclass's field names
    build: Callable[..., T] = namespace["build"]
    build.__qualname__ = f"builder({cls.__name__})"
    return build
