"""Queries compiled to SQL once, for the few lookups every widget message makes.

Django builds and compiles a queryset's SQL on every call: ~0.4 ms of Python for a lookup whose SQL takes
0.03 ms. A `CompiledQuery` is written as an ordinary queryset whose varying values are `Param`s; it is
compiled on its first use on each database connection, and each later call only runs the SQL with new values
and builds the rows as the queryset would (select_related included).

    VISITOR = CompiledQuery(lambda: Visitor.objects.filter(public_id=Param("id", UUIDField())))
    visitor = VISITOR.first(id=public_id)
"""

import threading
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from django.db import connections
from django.db.models import Field, Model, QuerySet
from django.db.models.expressions import Expression
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # what ModelIterable uses
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)


class Param(Expression):
    """A value given when the query runs; converted for the database by `output_field`, as a lookup would."""

    def __init__(self, name: str, output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, list[Any]]:
        return "%s", [self]


class _Compiled:
    """A queryset's SQL and how to build its rows, for one database connection."""

    def __init__(self, queryset: QuerySet[Any], using: str) -> None:
        compiler = queryset.query.get_compiler(using=using)
        self.using = using
        self.sql, self.params = compiler.as_sql()
        self.names = {p.name for p in self.params if isinstance(p, Param)}
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None, "a CompiledQuery selects model rows"
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, using)
        self.converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
        self.apply_converters = compiler.apply_converters

    def build(self, rows: list[tuple[Any, ...]]) -> Iterator[Any]:
        """Model instances from rows, as Django's ModelIterable builds them."""
        converted = self.apply_converters(map(list, rows), self.converters) if self.converters else rows
        for row in converted:
            instance = self.model.from_db(self.using, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, instance)
            yield instance


class CompiledQuery(Generic[M]):
    def __init__(self, queryset: Callable[[], QuerySet[M]], using: str = "default") -> None:
        self.queryset, self.using = queryset, using
        self._compiled: WeakKeyDictionary[Any, _Compiled] = WeakKeyDictionary()  # per connection (per thread)
        self._lock = threading.Lock()

    def first(self, **values: Any) -> M | None:
        """The first row (slice the queryset [:1] to ask the database for one only)."""
        return next(self._models(values, limit=1), None)

    def all(self, **values: Any) -> list[M]:
        return list(self._models(values, limit=None))

    def _models(self, values: dict[str, Any], *, limit: int | None) -> Iterator[M]:
        """Model instances with their select_related rows, as the queryset would build them."""
        connection = connections[self.using]
        compiled = self._compiled_for(connection)
        if set(values) != compiled.names:
            raise TypeError(f"Expected values for {', '.join(sorted(compiled.names))}; got {', '.join(sorted(values))}")
        params = [
            p.output_field.get_db_prep_value(values[p.name], connection) if isinstance(p, Param) else p
            for p in compiled.params
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall() if limit is None else cursor.fetchmany(limit)
        yield from compiled.build(rows)

    def _compiled_for(self, connection: Any) -> _Compiled:
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = _Compiled(self.queryset(), self.using)
            with self._lock:
                self._compiled[connection] = compiled
        return compiled
