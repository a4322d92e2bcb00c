"""Reads whose SQL the ORM compiles once per process and database, then runs many times.

Compiling a queryset (its joins, select list, ordering) costs Django more CPU than
PostgreSQL takes to run a small indexed read. A hot read whose shape never changes is
built once with stand-in values; each call runs the kept SQL with the real values put in
the stand-ins' places, and converts the columns as the ORM would (JSON, dates on SQLite).
The ORM still writes the SQL, so it follows the models; only the compiling is saved.
"""

import itertools

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.sql import UpdateQuery

# Stand-ins no real value equals: text with a NUL byte (no stored text holds one) and
# integers far below any id. The text holds what a lookup may rewrite in its value while
# compiling (LIKE's %, _ and backslash, which iexact on SQLite and contains escape): a value the
# ORM rewrote would not be the value each call binds, so that SQL is refused, not kept.
_texts = (f"\x00stand-in%_\\{n}" for n in itertools.count())
_numbers = itertools.count(-7_000_000_001, -1)


def text_stand_in():
    return next(_texts)


def number_stand_in():
    return next(_numbers)


def _stand_in_name(names, param):
    """The stand-in's name if `param` is one (the driver may wrap a number), else None."""
    if isinstance(param, bool) or not isinstance(param, (str, int)):
        return None
    return names.get(param)


class _Compiled:
    def __init__(self, build, **stand_ins):
        self._build = build
        self._stand_ins = stand_ins
        self._compiled = {}

    def _compiler(self, alias):
        raise NotImplementedError

    def _shape(self, compiler):
        """What running the SQL needs to know of the compiled query."""
        return None

    def _compile(self, alias):
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiler = self._compiler(alias)
            sql, params = compiler.as_sql()
            names = {value: name for name, value in self._stand_ins.items()}
            slots = [_stand_in_name(names, param) for param in params]
            found = {name for name in slots if name is not None}
            if found != set(self._stand_ins):
                missing = sorted(set(self._stand_ins) - found)
                raise AssertionError(
                    f"each stand-in must appear in the SQL as given; missing: {missing} (a "
                    "lookup that rewrites its value, such as iexact or contains, cannot be "
                    "compiled once: compare with Lower() or exact values instead)"
                )
            compiled = (sql, list(params), slots, self._shape(compiler))
            self._compiled[alias] = compiled
        return compiled

    def _execute(self, cursor, alias, values):
        sql, params, slots, shape = self._compile(alias)
        bound = [
            param if name is None else values[name]
            for param, name in zip(params, slots, strict=True)
        ]
        cursor.execute(sql, bound)
        return shape


class CompiledRead(_Compiled):
    """`build(**stand_ins)` returns a `values_list()` queryset; `rows(**values)` runs it."""

    def _compiler(self, alias):
        return self._build(**self._stand_ins).query.get_compiler(using=alias)

    def _shape(self, compiler):
        # The selected columns (the ORM may append ordering columns) and their converters.
        return len(compiler.select), compiler.get_converters([c for c, _, _ in compiler.select])

    def rows(self, using=DEFAULT_DB_ALIAS, **values):
        connection = connections[using]
        with connection.cursor() as cursor:
            columns, converters = self._execute(cursor, using, values)
            rows = cursor.fetchall()
        if not converters:
            return [row[:columns] for row in rows]
        converted = []
        for row in rows:
            row = list(row[:columns])
            for position, (functions, expression) in converters.items():
                for convert in functions:
                    row[position] = convert(row[position], expression, connection)
            converted.append(tuple(row))
        return converted


class CompiledUpdate(_Compiled):
    """`build(**stand_ins)` returns (queryset, {field: value}), as for `queryset.update()`;
    `run(**values)` runs the UPDATE and returns how many rows it changed."""

    def _compiler(self, alias):
        queryset, changes = self._build(**self._stand_ins)
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(changes)
        return query.get_compiler(using=alias)

    def run(self, using=DEFAULT_DB_ALIAS, **values):
        with connections[using].cursor() as cursor:
            self._execute(cursor, using, values)
            return cursor.rowcount


def instance(model, fields, row, using=DEFAULT_DB_ALIAS):
    """A model instance from a row of `fields` (attribute names), as the ORM would make it."""
    return model.from_db(using, fields, row)


def attnames(model):
    return [field.attname for field in model._meta.concrete_fields]
