"""Stamps of tables: one cheap query whose answer changes whenever a row of the tables is added or saved.

A cached figure or piece of HTML keeps the stamp of its inputs in its key, so it is never stale, only
unused. Every business table keeps the history of every change (django-simple-history), and nothing
deletes business rows: a save adds a history row, so the newest history id of a table moves with every
change made through the models. Rows written in bulk without history (an import's ``bulk_create``)
raise the table's own newest id, so the stamp holds both.
"""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import Model


@functools.cache
def _columns(model: type[Model]) -> tuple[tuple[str, str], ...]:
    """(table, key column) pairs to read the newest id of: the model's history table when it keeps one,
    and its own table. Read once (``Model.history`` builds a manager class on each access)."""
    pairs = [(model._meta.db_table, model._meta.pk.column)]
    history = getattr(model, "history", None)
    if history is not None:
        pairs.insert(0, (history.model._meta.db_table, "history_id"))
    return tuple(pairs)


def tables_stamp(*models: type[Model]) -> str:
    """The stamp of ``models``' tables (one query; the newest ids are read from their primary keys)."""
    if not models:
        return ""
    quote = connection.ops.quote_name
    parts = [
        f"(SELECT MAX({quote(column)}) FROM {quote(table)})"  # noqa: S608 - names from the models' own meta
        for model in models
        for table, column in _columns(model)
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return ".".join(str(v or 0) for v in row)
