"""OpenAPI components generated from the TypedDicts the code returns (complaints/representations/
types.py and the like): each TypedDict becomes a named component (an inline serializer, read by
drf-spectacular), its fields from the type hints, so the document cannot drift from the types.

Understood: str, int, float, bool, Any, Literal, X | None, list[X], dict[str, X], nested
TypedDicts, NotRequired, and Annotated with complaints.representations.marks Doc and Format."""

import types
import typing
from typing import Annotated, Any, Literal, NotRequired, Required, Union, get_args, get_origin, get_type_hints

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from complaints.representations.marks import Doc, Format

_components: dict[type, serializers.Serializer] = {}


def component(shape: type, name: str | None = None) -> serializers.Serializer:
    """The component of a TypedDict, made once (a name used twice must mean one shape)."""
    if shape not in _components:
        hints = get_type_hints(shape, include_extras=True)
        required: frozenset[str] = getattr(shape, "__required_keys__", frozenset())
        fields = {key: field(hint, required=key in required) for key, hint in hints.items()}
        _components[shape] = inline_serializer(name or shape.__name__, fields)
    return _components[shape]


def many(shape: type) -> serializers.ListField:
    return serializers.ListField(child=component(shape))


def _is_typeddict(hint) -> bool:
    return isinstance(hint, type) and typing.is_typeddict(hint)


def field(hint, *, required: bool = True, help_text: str | None = None, allow_null: bool = False):
    options: dict[str, Any] = {"required": required}
    if help_text:
        options["help_text"] = help_text
    if allow_null:
        options["allow_null"] = True
    origin, args = get_origin(hint), get_args(hint)
    if origin in (NotRequired, Required):
        return field(args[0], required=origin is Required, help_text=help_text, allow_null=allow_null)
    if origin is Annotated:
        base, marks = args[0], args[1:]
        doc = next((m.text for m in marks if isinstance(m, Doc)), help_text)
        fmt = next((m.name for m in marks if isinstance(m, Format)), None)
        if fmt and base is str:
            kind = {"date-time": serializers.DateTimeField, "uri": serializers.URLField}[fmt]
            return kind(**{**options, **({"help_text": doc} if doc else {})})
        return field(base, required=required, help_text=doc, allow_null=allow_null)
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return field(rest[0], required=required, help_text=help_text, allow_null=True)
        raise TypeError(f"unions other than X | None are not described: {hint!r}")
    if origin is Literal:
        choices = [a for a in args if a is not None]
        return serializers.ChoiceField(choices, **{**options, "allow_null": allow_null or None in args})
    if origin is list:
        return serializers.ListField(child=field(args[0]), **options)
    if origin is dict:
        return serializers.DictField(child=field(args[1]), **options)
    if _is_typeddict(hint):
        # A new instance of the component's class: the same component, with this use's options.
        return type(component(hint))(**options)
    simple = {str: serializers.CharField, int: serializers.IntegerField, float: serializers.FloatField}
    if hint in simple:
        return simple[hint](**options)
    if hint is bool:
        return serializers.BooleanField(**options)
    if hint is Any or hint is dict or hint is list:
        return serializers.JSONField(**options)
    raise TypeError(f"no OpenAPI form for {hint!r}")
