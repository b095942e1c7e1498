"""The triggers that keep `RecordVersion` exact: installed after every `migrate`, for SQLite and PostgreSQL.

Every write to a tracked table gives the version row of each learner whose row it touched (or the shared row)
a new random value, in the same transaction as the write: a page rendered before the write was kept under the
old value and is never read again. Random rather than counted, so a database restored from a backup (whose
values go back) can never meet an entry kept after the backup was taken under a value counted up again.

PostgreSQL runs one statement-level trigger per table and kind of write, reading the statement's rows from its
transition tables: a bulk write of 10,000 rows raises each learner's row once, in user order (so two bulk
writes lock version rows in the same order). SQLite has row-level triggers only."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import connections

from .tracked import SHARED_TABLES, USER_TABLES

PREFIX = "lcv_"
EVENTS = ("insert", "update", "delete")
_SQLITE_RANDOM = "random()"
_POSTGRES_RANDOM = "(floor(random() * 9e18) - 4.5e18)::bigint"


def trigger_name(table: str, event: str) -> str:
    """PostgreSQL keeps 63 characters of a name: a long table name is cut and made unique by its hash."""
    name = f"{PREFIX}{table}_{event}"
    if len(name) <= 63:
        return name
    return f"{PREFIX}{table[:40]}_{hashlib.sha256(table.encode()).hexdigest()[:8]}_{event}"


def _rows(event: str) -> tuple[str, ...]:
    return {"insert": ("NEW",), "update": ("NEW", "OLD"), "delete": ("OLD",)}[event]


def _user_ids(*, expressions: tuple[str, ...], sources: list[str], table_alias: bool) -> str:
    """`SELECT <user id> AS u ...` for each expression and source of rows (NEW/OLD in SQLite, the transition
    tables in PostgreSQL), as one set."""
    if table_alias:
        selects = [f"SELECT {e.format(r='r')} AS u FROM {source} r" for source in sources for e in expressions]
    else:
        selects = [f"SELECT {e.format(r=source)} AS u" for source in sources for e in expressions]
    return " UNION ".join(selects)


def sqlite_statements(table: str, event: str) -> list[str]:
    name = trigger_name(table, event)
    if table in SHARED_TABLES:
        body = f"INSERT INTO learner_cache_version (id, n) VALUES (0, {_SQLITE_RANDOM}) "
        body += f"ON CONFLICT(id) DO UPDATE SET n = {_SQLITE_RANDOM};"
    else:
        users = _user_ids(expressions=USER_TABLES[table], sources=list(_rows(event)), table_alias=False)
        body = (
            f"INSERT INTO learner_cache_version (id, n) SELECT u, {_SQLITE_RANDOM} FROM ({users}) "
            f"WHERE u IS NOT NULL ON CONFLICT(id) DO UPDATE SET n = {_SQLITE_RANDOM};"
        )
    return [
        f'DROP TRIGGER IF EXISTS "{name}"',
        f'CREATE TRIGGER "{name}" AFTER {event.upper()} ON "{table}" FOR EACH ROW BEGIN {body} END',
    ]


def postgres_statements(table: str, event: str) -> list[str]:
    name = trigger_name(table, event)
    transition = {"NEW": "new_rows", "OLD": "old_rows"}
    sources = [transition[row] for row in _rows(event)]
    referencing = " ".join(f"{row} TABLE AS {transition[row]}" for row in _rows(event))
    if table in SHARED_TABLES:
        exists = " OR ".join(f"EXISTS (SELECT 1 FROM {source})" for source in sources)
        body = f"INSERT INTO learner_cache_version (id, n) SELECT 0, {_POSTGRES_RANDOM} WHERE {exists}"
    else:
        users = _user_ids(expressions=USER_TABLES[table], sources=sources, table_alias=True)
        body = (
            f"INSERT INTO learner_cache_version (id, n) SELECT u, {_POSTGRES_RANDOM} "
            f"FROM (SELECT DISTINCT u FROM ({users}) d WHERE u IS NOT NULL) s ORDER BY u"
        )
    body += f" ON CONFLICT (id) DO UPDATE SET n = {_POSTGRES_RANDOM}"
    return [
        f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"',
        f'CREATE OR REPLACE FUNCTION "{name}"() RETURNS trigger LANGUAGE plpgsql '
        f"AS $$ BEGIN {body}; RETURN NULL; END $$",
        f'CREATE TRIGGER "{name}" AFTER {event.upper()} ON "{table}" REFERENCING {referencing} '
        f'FOR EACH STATEMENT EXECUTE FUNCTION "{name}"()',
    ]


def tracked_tables() -> list[str]:
    return sorted({*USER_TABLES, *SHARED_TABLES})


def install(*, using: str = "default") -> bool:
    """(Re)create every trigger for the tables tracked now; a table that does not exist yet is skipped (its
    app has not migrated; the next `migrate` installs it). False when this app's own table is not there yet."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if "learner_cache_version" not in existing:
        return False
    statements = sqlite_statements if connection.vendor == "sqlite" else postgres_statements
    with connection.cursor() as cursor:
        for table in tracked_tables():
            if table not in existing:
                continue
            for event in EVENTS:
                for statement in statements(table, event):
                    cursor.execute(statement)
    return True


def installed(*, using: str = "default") -> set[str]:
    """The names of this app's triggers in the database (the tests compare them with `expected()`)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{PREFIX}%"])
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", [f"{PREFIX}%"])
        return {row[0] for row in cursor.fetchall()}


def expected() -> set[str]:
    return {trigger_name(table, event) for table in tracked_tables() for event in EVENTS}


def remove(*, using: str = "default") -> None:
    """Drop every trigger of this app (before migrating: SQLite checks every trigger's tables when a
    migration renames one, and a table being rebuilt has none for a moment)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in installed(using=using):
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
            return
        cursor.execute("SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE %s", [f"{PREFIX}%"])
        for name, table in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON {table}')


def renew_shared_version(*, using: str = "default") -> None:
    """Every learner's kept pages are unreachable from now (a migration may have changed any row)."""
    random_value = _SQLITE_RANDOM if connections[using].vendor == "sqlite" else _POSTGRES_RANDOM
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO learner_cache_version (id, n) VALUES (0, {random_value}) "
            f"ON CONFLICT (id) DO UPDATE SET n = {random_value}"
        )


def remove_before_migrate(*, using: str = "default", **kwargs: Any) -> None:
    if "learner_cache_version" in connections[using].introspection.table_names():
        remove(using=using)


def install_after_migrate(*, using: str = "default", **kwargs: Any) -> None:
    if install(using=using):
        renew_shared_version(using=using)
