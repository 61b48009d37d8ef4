"""Indexes of the account list that only PostgreSQL can have; on SQLite this migration does nothing.

- Sorting by credit score, highest first: ``credit_score DESC NULLS LAST`` (accounts not graded yet
  come last either way), which SQLite cannot index.
- Search: Django's ``icontains`` is ``UPPER(column::text) LIKE UPPER('%term%')``; a GIN index with
  pg_trgm on the same expression finds the rows without reading the whole table (for terms of three
  characters or more). The extension needs a superuser, or a DBA who installed it beforehand: without
  it these two indexes are skipped and search stays a scan — correct, only slower.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

CREDIT_DESC = "account_sort_credit_desc_idx"
TRIGRAM_INDEXES = {"account_search_name_trgm": "name", "account_search_customer_trgm": "customer_id"}


def _has_trigrams(schema_editor: Any) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            return True
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not (row and row[0]):
            return False
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        return True


def create_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    table = quote(apps.get_model("accounts", "Account")._meta.db_table)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {quote(CREDIT_DESC)} ON {table} "
        f"(credit_score DESC NULLS LAST, customer_id DESC, id) WHERE NOT archived"
    )
    if not _has_trigrams(schema_editor):
        return
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {table} "
            f"USING gin ((UPPER({quote(column)}::text)) gin_trgm_ops) WHERE NOT archived"
        )


def drop_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [CREDIT_DESC, *TRIGRAM_INDEXES]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_list_sort_indexes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
