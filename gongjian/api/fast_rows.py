"""Serialising a page of rows without DRF's per-field machinery, with DRF's own results.

For every row and every field, DRF's ``Serializer.to_representation`` walks the readable fields
through a generator, resolves the source through ``get_attribute`` (a loop over the dotted path
with exception handling), checks for ``PKOnlyObject`` and then calls the field's
``to_representation``. On the problem list (50 rows × 18 fields) that was more than half of the
endpoint's CPU (bench/README.md "Round 4").

``FastRowsMixin`` works out once per serializer instance (a ``many=True`` list shares one child)
how each field is read and converted, then builds each row with one comprehension. The conversion
of each value is still the field's own ``to_representation`` (dates in the current time zone,
decimals as strings, choices), except for the types whose conversion is the plain Python
constructor (``CharField`` → ``str``, ``IntegerField`` → ``int``, ``BooleanField`` → ``bool`` for real
booleans). ``None`` stays ``None``, as in DRF. Fields it does not know (nested serializers, method
fields, hyperlinks) are read the way DRF reads them.

The equivalence is a test (gongjian/api/tests/test_fast_rows.py): for every serializer using the
mixin, its rows equal DRF's ``Serializer.to_representation`` on the same objects.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from rest_framework import fields as drf_fields
from rest_framework import relations
from rest_framework.fields import SkipField


def _same(value: Any) -> Any:
    return value


def _to_bool(value: Any) -> Any:
    # DRF's BooleanField maps 'true'/'1'/… strings too; a model's boolean is already a bool.
    return value if value is True or value is False else None


def _column_path(model, attrs: list[str]) -> tuple[str, bool] | None:
    """The dotted attribute path of a stored column, when ``attrs`` names one that is always
    there: a field of the model, or a field of a model it points to through required foreign keys
    (as ``category.code``), and whether it ends in a foreign key (then the path reads the key
    itself, ``unit_id``). None for anything else (properties, methods, nullable relations), which
    DRF reads its own way (it calls callables and turns a missing relation into None)."""
    names = []
    for position, attr in enumerate(attrs):
        try:
            model_field = model._meta.get_field(attr)
        except Exception:  # FieldDoesNotExist, or a name that is no field at all
            return None
        last = position == len(attrs) - 1
        if model_field.is_relation:
            if not (model_field.many_to_one or model_field.one_to_one) or model_field.auto_created:
                return None
            if last:
                names.append(model_field.attname)
                return ".".join(names), True
            if model_field.null:
                return None
            names.append(attr)
            model = model_field.related_model
            continue
        if not last or not model_field.concrete:
            return None
        names.append(model_field.attname)
    return ".".join(names), False


class FastRowsMixin:
    """Mix into a read-only ``Serializer`` whose fields are plain values or primary keys."""

    def _row_plan(self) -> list[tuple[str, Callable[[Any], Any], Callable[[Any], Any] | None, Any]]:
        plan = self.__dict__.get("_fast_row_plan")
        if plan is None:
            plan = [self._field_plan(field) for field in self._readable_fields]
            self.__dict__["_fast_row_plan"] = plan
        return plan

    @staticmethod
    def _field_plan(field) -> tuple[str, Callable[[Any], Any], Callable[[Any], Any] | None, Any]:
        """(name, read the value from the object, convert it — None for DRF's own way —, the field)."""
        model = field.parent.Meta.model
        found = _column_path(model, field.source_attrs) if field.source != "*" else None
        is_key = isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is None
        if found is None or found[1] != is_key:
            return field.field_name, _same, None, field
        path = found[0]
        if is_key:
            # DRF reads the foreign key's column (use_pk_only_optimization) and prints the key.
            return field.field_name, attrgetter(path), _same, field
        read = attrgetter(path)
        kind = type(field)
        if kind is drf_fields.CharField:
            return field.field_name, read, str, field
        if kind is drf_fields.IntegerField:
            return field.field_name, read, int, field
        if kind is drf_fields.BooleanField:
            return field.field_name, read, _to_bool, field
        return field.field_name, read, field.to_representation, field

    def to_representation(self, instance):
        row = {}
        for name, read, convert, field in self._row_plan():
            if convert is None:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                key = value.pk if isinstance(value, relations.PKOnlyObject) else value
                row[name] = None if key is None else field.to_representation(value)
                continue
            value = read(instance)
            if value is None:
                row[name] = None
            else:
                converted = convert(value)
                # A boolean field given something other than a bool: DRF's own conversion.
                row[name] = field.to_representation(value) if converted is None else converted
        return row
