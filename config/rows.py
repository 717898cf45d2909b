"""Model instances from hand-written SQL, for the few hot paths (a judge's write) where
compiling an ORM query costs more CPU than the database spends running it.

The SQL names every concrete column of each model, in the model's own order, so the rows
become ordinary, complete instances (``Model.from_db``), exactly as the ORM would build them.
"""

from functools import cache

from django.db import connection
from django.db.models import Model


def columns(model: type[Model], alias: str) -> str:
    """The select list of every concrete column of `model` in table alias `alias`."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def aggregated_columns(model: type[Model], alias: str, order_by: str) -> str:
    """The select list of one array per concrete column of `model` in `alias`, each ordered by
    `order_by`: many rows of a model in one row beside others (see `instances_from_arrays`),
    so that the others are not repeated, and loaded again, on every row."""
    quote = connection.ops.quote_name
    return ", ".join(
        f"array_agg({alias}.{quote(field.column)} ORDER BY {order_by})"
        for field in model._meta.concrete_fields
    )


def instances_from_arrays(arrays: tuple, model: type[Model]) -> list[Model]:
    """The instances of a row's `aggregated_columns` (NULL arrays when there were none)."""
    if arrays[0] is None:
        return []
    return [instances(values, model)[0] for values in zip(*arrays, strict=True)]


def array_literal(numbers) -> str:
    """PostgreSQL's text form of an array of numbers (ints, Decimals), for a `%s::bigint[]`
    parameter: one text value to send, where a list is adapted element by element."""
    return "{" + ",".join(str(number) for number in numbers) + "}"


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def instances(row: tuple, *models: type[Model]) -> list[Model]:
    """One instance of each model, read in turn from `row` (selected with `columns`); the
    columns after the last model's are left for the caller."""
    made, start = [], 0
    for model in models:
        width, converters = _reading(model)
        values = list(row[start : start + width])
        for index, column, convert in converters:
            values[index] = convert(values[index], column, connection)
        made.append(model.from_db(connection.alias, None, values))
        start += width
    return made


def width(*models: type[Model]) -> int:
    """How many columns `columns` selects for these models together."""
    return sum(_reading(model)[0] for model in models)


@cache
def _reading(model: type[Model]) -> tuple[int, list]:
    """The model's column count, and the converters the ORM would apply to its columns (e.g.
    a JSON column's text to Python objects, or SQLite's text to datetimes), each with the
    column expression it is called with; most columns come from the driver as they are."""
    fields = model._meta.concrete_fields
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        for convert in [
            *connection.ops.get_db_converters(column),
            *field.get_db_converters(connection),
        ]:
            converters.append((index, column, convert))
    return len(fields), converters
