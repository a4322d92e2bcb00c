"""Reads whose SQL the ORM compiles once per process and database, then runs many times.

Compiling a queryset (its joins, select list, ordering) costs Django more CPU than
PostgreSQL takes to run a small indexed read. A hot read whose shape never changes is
built once with stand-in values; each call runs the kept SQL with the real values put in
the stand-ins' places, and converts the columns as the ORM would (JSON, dates on SQLite).
The ORM still writes the SQL, so it follows the models; only the compiling is saved.

On PostgreSQL the kept SQL is also a prepared statement of each connection, so the
database does not parse and plan it again on every call either: planning the records'
read of an open took PostgreSQL longer than running it. Set
DATABASE_PREPARED_STATEMENTS=False where connections pass through a pooler that does not
keep a server connection per client (PgBouncer in transaction mode).
"""

import itertools
import re
import uuid

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.sql import UpdateQuery

# Stand-ins no real value equals: text with a NUL byte (no stored text holds one) and
# integers far below any id. The text holds what a lookup may rewrite in its value while
# compiling (LIKE's %, _ and backslash, which iexact on SQLite and contains escape): a value the
# ORM rewrote would not be the value each call binds, so that SQL is refused, not kept.
_texts = (f"\x00stand-in%_\\{n}" for n in itertools.count())
_numbers = itertools.count(-7_000_000_001, -1)
# uuid4 sets the version nibble to 4; these have 0 there, so no generated id equals one.
_uuids = (uuid.UUID(int=(0xFFFF_FFFF << 96) | n) for n in itertools.count(1))
_statement_names = (f"compiled_{n}" for n in itertools.count(1))
_PLACEHOLDER = re.compile(r"%[s%]")


def text_stand_in():
    return next(_texts)


def number_stand_in():
    return next(_numbers)


def uuid_stand_in():
    return next(_uuids)


def _stand_in_name(names, param):
    """The stand-in's name if `param` is one (the driver may wrap a number), else None."""
    if isinstance(param, bool) or not isinstance(param, (str, int, uuid.UUID)):
        return None
    return names.get(param)


def _stand_in_names(stand_ins):
    """Each stand-in's value, as the ORM may bind it, to its name: a UUID is bound as
    itself where the database has a uuid type, else as its hex text (SQLite)."""
    names = {}
    for name, value in stand_ins.items():
        names[value] = name
        if isinstance(value, uuid.UUID):
            names[value.hex] = name
    return names


def _bound(value, stand_in):
    """A call's value in the form the ORM bound its stand-in in."""
    if isinstance(value, uuid.UUID) and isinstance(stand_in, str):
        return value.hex
    return value


class _Compiled:
    def __init__(self, build, **stand_ins):
        self._build = build
        self._stand_ins = stand_ins
        self._compiled = {}
        self._name = next(_statement_names)

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
            names = _stand_in_names(self._stand_ins)
            slots = [_stand_in_name(names, param) for param in params]
            found = {name for name in slots if name is not None}
            if found != set(self._stand_ins):
                missing = sorted(set(self._stand_ins) - found)
                raise AssertionError(
                    f"each stand-in must appear in the SQL as given; missing: {missing} (a "
                    "lookup that rewrites its value, such as iexact or contains, cannot be "
                    "compiled once: compare with Lower() or exact values instead)"
                )
            prepare = None
            if connections[alias].vendor == "postgresql" and getattr(
                settings, "DATABASE_PREPARED_STATEMENTS", False
            ):
                prepare = f"PREPARE {self._name} AS {_numbered(sql)}"
                sql = f"EXECUTE {self._name}" + (
                    f" ({', '.join(['%s'] * len(params))})" * bool(params)
                )
            compiled = (sql, list(params), slots, self._shape(compiler), prepare)
            self._compiled[alias] = compiled
        return compiled

    def sql(self, using=DEFAULT_DB_ALIAS):
        """The statement each call sends (EXECUTE of the prepared statement on PostgreSQL)."""
        return self._compile(using)[0]

    def _execute(self, cursor, alias, values):
        sql, params, slots, shape, prepare = self._compile(alias)
        bound = [
            param if name is None else _bound(values[name], param)
            for param, name in zip(params, slots, strict=True)
        ]
        if prepare is not None:
            _prepare_once(connections[alias], self._name, prepare)
        cursor.execute(sql, bound)
        return shape


def _numbered(sql):
    """psycopg2's placeholders as PREPARE's: %s as $1, $2, … in order, %% as %."""
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


def _prepare_once(connection, name, prepare):
    """PREPARE the statement on this database connection unless it already is.

    A prepared statement lasts as long as the server's session, whatever becomes of the
    transaction it was made in; a new connection (after a close or a fault) starts with
    none. It is made outside Django's cursor, so that query counts and logs show each
    call's one statement whether or not it came first on its connection."""
    raw = connection.connection
    known = connection.__dict__.get("_prepared_statements")
    if known is None or known[0] is not raw:
        known = (raw, set())
        connection._prepared_statements = known
    if name not in known[1]:
        with connection.wrap_database_errors, raw.cursor() as cursor:
            cursor.execute(prepare)
        known[1].add(name)


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
