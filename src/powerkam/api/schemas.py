"""Response schemas that mirror a dataclass take its fields from it, so that a field is declared once.

An analytics result (a reliability row, a window, a priority entry …) is a dataclass, and the API answers
it field by field. ``@mirrors(Dataclass)`` on a ninja ``Schema`` gives the schema the dataclass's fields,
in their order and with their types, less those the API does not show (``exclude``). A field the class
declares itself takes the dataclass's field's place with the API's words (a description, the type the
API promises); one the dataclass has not comes after the others. Every field is required: an answer
always has it.

Type checkers do not see the mirrored fields: answer with the dataclass itself (ninja reads its
attributes) or a dict, not with ``SchemaOut(field=...)``.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from ninja import Schema
from pydantic import create_model

S = TypeVar("S", bound=Schema)


def mirrors(source: type, *, exclude: Collection[str] = ()) -> Callable[[type[S]], type[S]]:
    """The decorated schema with the fields of the dataclass (or TypedDict) ``source``."""
    hints = typing.get_type_hints(source)
    names = [f.name for f in dataclasses.fields(source)] if dataclasses.is_dataclass(source) else list(hints)
    unknown = set(exclude) - set(names)
    if unknown:
        raise TypeError(f"{source.__name__} has no field {', '.join(sorted(unknown))}")

    def build(schema: type[S]) -> type[S]:
        own = schema.model_fields
        fields: dict[str, Any] = {
            n: (own[n].annotation, own[n]) if n in own else (hints[n], ...) for n in names if n not in exclude
        }
        fields.update({n: (f.annotation, f) for n, f in own.items() if n not in fields})
        built = create_model(
            schema.__name__, __base__=Schema, __module__=schema.__module__, __doc__=schema.__doc__, **fields
        )
        return typing.cast("type[S]", built)

    return build
