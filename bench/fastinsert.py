"""Insert many rows quickly: COPY on PostgreSQL, one prepared executemany on SQLite.

The seed writes millions of rows; the ORM's bulk_create spends most of that time building model instances.
Rows here are plain tuples with their primary key chosen by the caller (so related rows can point at them
before they exist); `reset_sequences` afterwards lets the application insert normally again."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from django.core.management.color import no_style
from django.db import connection, models

CHUNK = 20_000


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` (values in the order of `fields`, model field names) into the model's table."""
    columns = [model._meta.get_field(name) for name in fields]
    convert = [_converter(f) for f in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in columns)
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([c(v) if c else v for c, v in zip(convert, row, strict=True)])
                count += 1
        return count
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    batch: list[list] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append([c(v) if c else v for c, v in zip(convert, row, strict=True)])
            if len(batch) >= CHUNK:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


PLAIN = (
    models.IntegerField,
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.FloatField,
    models.ForeignKey,
)


def _converter(f: models.Field):
    """None where the driver takes the Python value as it is; else the field's own conversion."""
    if isinstance(f, PLAIN) and not isinstance(f, models.JSONField):
        return None
    if isinstance(f, models.JSONField):
        return lambda value: f.get_db_prep_save(value, connection)
    # Dates and times repeat a lot across related rows: convert each distinct value once.
    return lru_cache(maxsize=8192)(lambda value: f.get_db_prep_save(value, connection))


def next_id(model: type[models.Model]) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def reset_sequences(*models_: type[models.Model]) -> None:
    """After explicit ids, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
