"""Reads the site makes on every request, turned into SQL once per process.

Django compiles a QuerySet to SQL each time it is run: 0.3–0.6 ms for each of the
article page's reads, longer than PostgreSQL takes to answer them. A ``Compiled``
read is still a QuerySet written with the ORM, where the models' rules live
(``published()``, ``approved()``), but it is compiled once for each database, with
stand-ins where its values go; each call sends the same SQL with the values in
their places, as parameters (never in the SQL's text).

For ``values_list()`` reads: rows come back as tuples, each value converted as the
ORM would (a JSON field's text to Python, for one). A read whose SQL would hold a
value in another form than given (the date of a moment) is refused when compiled.
The tests run each read both ways and compare.
"""

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import QuerySet

# A stand-in for each kind of value: one no real row, slug or moment has (within an
# integer column's range, which Django checks), told apart by its position.
_STAND_INS = {
    int: lambda n, series: -2_000_000_000 + 1000 * series + n,
    str: lambda n, series: f"\x00stand-in {series} {n}\x00",
    datetime: lambda n, series: datetime(1 + series, 1, 1 + n, tzinfo=UTC),
}


class Compiled:
    """``Compiled(lambda article: Comment.objects.filter(article_id=article)
    .values_list("id", "name"), article=int)``, then ``.rows(article=7)``."""

    def __init__(self, build: Callable[..., QuerySet], **kinds: type):
        self._build = build
        self._kinds = kinds
        self._model = None
        self._sql: dict[str, tuple] = {}  # database -> SQL, where the values go, converters

    def rows(self, **values) -> list[tuple]:
        """What the QuerySet built with these values would give, as tuples."""
        database, sql, params = self.statement(**values)
        converters = self._sql[database][2]
        connection = connections[database]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [_converted(row, converters, connection) for row in rows] if converters else rows

    def statement(self, **values) -> tuple[str, str, list]:
        """The database to ask, the SQL, and its parameters with these values: for a
        caller that runs it inside a statement of its own (its rows unconverted)."""
        if values.keys() != self._kinds.keys():
            raise TypeError(f"give exactly {', '.join(self._kinds)}")
        database = router.db_for_read(self.model)
        if database not in self._sql:
            self._sql[database] = self._compile(database)
        sql, slots, _ = self._sql[database]
        return database, sql, [values[name] if name else value for name, value in slots]

    @property
    def model(self):
        if self._model is None:
            self._model = self._build(**self._stand_ins(0)).model
        return self._model

    def _stand_ins(self, series: int) -> dict:
        counter = itertools.count()
        return {name: _STAND_INS[kind](next(counter), series) for name, kind in self._kinds.items()}

    def _compile(self, database: str) -> tuple:
        stand_ins = self._stand_ins(0)
        queryset = self._build(**stand_ins)
        compiler = queryset.query.get_compiler(using=database)
        sql, params = compiler.as_sql()
        # Compiled again with other stand-ins, the SQL and every other value must be the
        # same: a value the ORM changed on its way in (a date of a moment, a pattern for
        # icontains) or that shaped the SQL (None is IS NULL) would be kept as it was.
        others = self._stand_ins(1)
        again_sql, again_params = self._build(**others).query.get_compiler(database).as_sql()
        expected = [others.get(_name(stand_ins, value), value) for value in params]
        if again_sql != sql or list(again_params) != expected:
            raise ImproperlyConfigured("the SQL holds a value in another form than given")
        # What the ORM would do to each column's value (JSONField.from_db_value...),
        # as (position, functions, expression); each call passes its own connection.
        converters = [
            (position, functions, expression)
            for position, (functions, expression) in compiler.get_converters(
                [column for column, _, _ in compiler.select]
            ).items()
        ]
        slots = [(_name(stand_ins, value), value) for value in params]
        if missing := set(stand_ins) - {name for name, _ in slots}:
            raise ImproperlyConfigured(f"the SQL has no place for {', '.join(missing)}")
        return sql, slots, converters


def _name(stand_ins: dict, value) -> str | None:
    """Which value a parameter stands in for, if any (told apart by type too: 1 == True)."""
    return next(
        (
            name
            for name, stand_in in stand_ins.items()
            if type(value) is type(stand_in) and value == stand_in
        ),
        None,
    )


def _converted(row: tuple, converters: list, connection) -> tuple:
    values = list(row)
    for position, functions, expression in converters:
        value = values[position]
        for function in functions:
            value = function(value, expression, connection)
        values[position] = value
    return tuple(values)
