"""Statements compiled to SQL once, for the few lookups and writes every widget message makes.

Django builds and compiles a queryset's SQL on every call: ~0.4 ms of Python for a lookup whose SQL takes
0.03 ms. A `CompiledQuery` is written as an ordinary queryset whose varying values are `Param`s; it is
compiled on its first use on each database connection, and each later call only runs the SQL with new values
and builds the rows as the queryset would (select_related included). `CompiledInsert` and `CompiledUpdate`
do the same for `save()`.

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
T = TypeVar("T")


class _PerConnection(Generic[T]):
    """What is built for each database connection (connections are per thread), kept while it lives."""

    def __init__(self) -> None:
        self._built: WeakKeyDictionary[Any, T] = WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, connection: Any, build: Callable[[], T]) -> T:
        built = self._built.get(connection)
        if built is None:
            built = build()
            with self._lock:
                self._built[connection] = built
        return built


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
        self._compiled: _PerConnection[_Compiled] = _PerConnection()

    def first(self, **values: Any) -> M | None:
        """The first row (slice the queryset [:1] to ask the database for one only)."""
        return next(self._models(values, limit=1), None)

    def all(self, **values: Any) -> list[M]:
        return list(self._models(values, limit=None))

    def _models(self, values: dict[str, Any], *, limit: int | None) -> Iterator[M]:
        """Model instances with their select_related rows, as the queryset would build them."""
        connection = connections[self.using]
        compiled = self._compiled.get(connection, lambda: _Compiled(self.queryset(), self.using))
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


class CompiledInsert(Generic[M]):
    """Insert a new instance's row, with the statement built once per connection.

    `save()` builds the INSERT afresh every time (and sends signals, which this project does not use): most
    of a message's insert. This writes every concrete field, as `save()` does, and sets the new primary key.
    With `ignore_conflicts`, a row that would break a unique constraint is not inserted and the call returns
    None (`ON CONFLICT DO NOTHING`: other constraints still raise), so no savepoint is needed to go on.
    """

    def __init__(self, model: type[M], *, ignore_conflicts: bool = False, using: str = "default") -> None:
        self.using, self.ignore_conflicts = using, ignore_conflicts
        self.meta = model._meta
        self.fields = [field for field in self.meta.concrete_fields if field is not self.meta.auto_field]
        self._sql: _PerConnection[str] = _PerConnection()

    def __call__(self, instance: M) -> M | None:
        connection = connections[self.using]
        sql = self._sql.get(connection, lambda: self._statement(connection))
        values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in self.fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            row = cursor.fetchone()
        if row is None:  # a conflict, ignored
            return None
        (instance.pk,) = row
        instance._state.adding, instance._state.db = False, self.using
        return instance

    def _statement(self, connection: Any) -> str:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in self.fields)
        placeholders = ", ".join(["%s"] * len(self.fields))
        conflicts = "ON CONFLICT DO NOTHING " if self.ignore_conflicts else ""
        returning, _ = connection.ops.return_insert_columns([self.meta.pk])
        # Names from the model's own fields, quoted: nothing from outside goes into the statement.
        return f"INSERT INTO {quote(self.meta.db_table)} ({columns}) VALUES ({placeholders}) {conflicts}{returning}"  # noqa: S608


class CompiledUpdate(Generic[M]):
    """`instance.save(update_fields=names)`, with each statement built once per connection and list of names."""

    def __init__(self, model: type[M], using: str = "default") -> None:
        self.using = using
        self.meta = model._meta
        self._statements: _PerConnection[dict[tuple[str, ...], _Update]] = _PerConnection()

    def __call__(self, instance: M, names: list[str]) -> None:
        connection = connections[self.using]
        statements = self._statements.get(connection, dict)  # only its connection's thread uses it
        key = tuple(names)
        if (update := statements.get(key)) is None:
            update = statements[key] = _Update(self.meta, key, connection)
        values = [field.get_db_prep_save(field.pre_save(instance, False), connection) for field in update.fields]
        with connection.cursor() as cursor:
            cursor.execute(update.sql, [*values, instance.pk])


class _Update:
    def __init__(self, meta: Any, names: tuple[str, ...], connection: Any) -> None:
        quote = connection.ops.quote_name
        self.fields: list[Field[Any, Any]] = [meta.get_field(name) for name in names]
        columns = ", ".join(f"{quote(field.column)} = %s" for field in self.fields)
        # Names from the model's own fields, quoted: nothing from outside goes into the statement.
        self.sql = f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
