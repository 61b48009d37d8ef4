"""Set-based writes of a grading run into the CRM database (issue 21).

The rows come as Arrow tables (:mod:`powerkam.analytics.grading_record`); they go to the database in
bulk — ``COPY … FROM STDIN`` on PostgreSQL, ``executemany`` on SQLite — and every change to an
account keeps its history row as django-simple-history's ``bulk_create_with_history`` and
``bulk_update_with_history`` write it (``+`` for a new account, ``~`` for a change; same fields,
user and change reason), but as one ``INSERT … SELECT`` from the accounts just written instead of
a model instance per account. A new account is written once, already with the standing the run
gives it, so its one ``+`` row holds that standing (no ``~`` row follows).

Only :mod:`powerkam.grading.services` calls these; they run inside its transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import DateTimeField, DecimalField, Field
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.accounts.models import Account
from powerkam.analytics import grading_record
from powerkam.analytics.grading_record import BEFORE_SCHEMA, CRM_SCHEMA, GRADE_COLUMNS, UPDATE_COLUMNS
from powerkam.core.errors import ApplicationError
from powerkam.grading.models import AccountGrade

#: Rows per ``executemany`` call on SQLite (memory stays flat whatever the number of rows).
CHUNK = 50_000

#: A write of at least this many rows into a table that holds less than half as many (a first load:
#: the first run creates every key account) drops the table's secondary indexes and builds them again
#: after it (:func:`bulk_load`).
BULK_LOAD_MIN_ROWS = 10_000

#: Columns of the customers dataset that become an account's master data.
MASTER_DATA = (
    "customer_id",
    "name",
    "parent_id",
    "industry",
    "voltage_kv",
    "contract_capacity_kva",
    "tariff",
    "basic_charge_mode",
    "feeders",
    "important_grade",
    "district",
    "address",
    "latitude",
    "longitude",
    "connected_on",
)


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _field(model: type[models.Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _column(model: type[models.Model], name: str) -> str:
    return str(_field(model, name).column)


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert *rows* into *table*: ``COPY`` on PostgreSQL, ``executemany`` in chunks elsewhere."""
    names = ", ".join(_qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {_qn(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {_qn(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, CHUNK)):
            cursor.executemany(sql, chunk)


def insert_table(table: str, columns: Sequence[str], data: pa.Table) -> None:
    """Insert the rows of *data* (its columns, in order, are *columns*) into *table*.

    On PostgreSQL as ``COPY … FROM STDIN`` in CSV that Arrow writes, a chunk at a time: no Python
    object per value (at 1,000,000 customers a run writes ~430,000 grade rows of 15 columns). Arrow
    quotes every text, so an empty text stays empty and only a missing value is NULL, as PostgreSQL's
    CSV reads them; numbers are written in their shortest exact form. Elsewhere :func:`insert_rows`."""
    if connection.vendor != "postgresql":
        insert_rows(table, columns, _rows(data, data.column_names))
        return
    names = ", ".join(_qn(c) for c in columns)
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {_qn(table)} ({names}) FROM STDIN (FORMAT csv)") as copy,
    ):
        for batch in data.to_batches(max_chunksize=CHUNK):
            sink = io.BytesIO()
            pa_csv.write_csv(batch, sink, options)
            copy.write(sink.getvalue())


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """The table's indexes that enforce nothing (not its primary key, not a unique one, not a
    constraint's), as (name, the statement that creates it again exactly)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY 1",
                [_qn(table)],
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL "
                "AND upper(sql) NOT LIKE 'CREATE UNIQUE%%' ORDER BY 1",
                [table],
            )
        else:
            return []
        return [(str(name), str(sql)) for name, sql in cursor.fetchall()]


@contextmanager
def bulk_load(table: str, incoming: int) -> Iterator[None]:
    """Write *incoming* rows into *table* inside the block; on a first load (at least
    :data:`BULK_LOAD_MIN_ROWS`, into a table holding less than half as many) without its secondary indexes,
    which are built again, each with its own statement, when the block ends.

    Building an index over the rows once is several times cheaper than keeping 20 indexes up to date
    row by row: 128,000 accounts took 5.3 s to insert into ``accounts_account`` with its indexes on
    PostgreSQL, 0.2 s without them and 1.2 s to build them all (docs/benchmarks.md). It runs only inside
    the run's transaction: an error rolls the dropped indexes back with everything else (PostgreSQL and
    SQLite both undo DDL). On PostgreSQL the dropped indexes lock the table until the run commits, so
    only a first load, when nobody works these accounts yet, takes this path."""
    if incoming < BULK_LOAD_MIN_ROWS or not connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {_qn(table)} LIMIT %s) held", [incoming])
        (held,) = cursor.fetchone()
        indexes = _secondary_indexes(table) if 2 * held < incoming else []
        _check_deferred(cursor, indexes)
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {_qn(name)}")
    yield
    with connection.cursor() as cursor:
        _check_deferred(cursor, indexes)
        for _name, sql in indexes:
            cursor.execute(sql)


def _check_deferred(cursor: Any, indexes: list[tuple[str, str]]) -> None:
    """PostgreSQL refuses to drop or create an index of a table with foreign-key checks still pending
    (Django defers them to the commit): run the pending checks now, then defer again."""
    if indexes and connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _rows(table: pa.Table, columns: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """The rows of *table* as tuples, one column converted to Python at a time."""
    for batch in table.select(list(columns)).to_batches(max_chunksize=CHUNK):
        yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)


class TempTable:
    """A temporary table for one run's ids or new standings, dropped when the run is recorded."""

    def __init__(self, name: str, columns: dict[str, str]) -> None:
        self.name, self.columns = name, columns

    def __enter__(self) -> TempTable:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_qn(self.name)}")
            spec = ", ".join(f"{_qn(c)} {t}" for c, t in self.columns.items())
            cursor.execute(f"CREATE TEMPORARY TABLE {_qn(self.name)} ({spec})")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        # After an error the run's transaction is rolled back, and the table with it (a DROP in an
        # aborted PostgreSQL transaction would only hide the error).
        if exc_type is None:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {_qn(self.name)}")

    def fill(self, rows: Iterable[Sequence[Any]]) -> None:
        insert_rows(self.name, list(self.columns), rows)


def fetch_table(sql: str, params: Sequence[Any], schema: pa.Schema) -> pa.Table:
    """The result of a query as an Arrow table of *schema* (fetched in chunks, converted by column)."""
    batches = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            columns = list(zip(*rows, strict=True))
            batches.append(
                pa.record_batch(
                    [_arrow(values, f.type) for values, f in zip(columns, schema, strict=True)], schema=schema
                )
            )
    return pa.Table.from_batches(batches, schema=schema)


def _arrow(values: Sequence[Any], type_: pa.DataType) -> pa.Array:
    if pa.types.is_date(type_) and any(isinstance(v, str) for v in values):
        return pa.array(values, pa.string()).cast(type_)
    return pa.array(values, type_)


def crm_accounts(where: str = "", params: Sequence[Any] = ()) -> pa.Table:
    """The CRM's accounts and their standing (:data:`grading_record.CRM_SCHEMA`), by customer id."""
    columns = ", ".join(_qn(_column(Account, f.name)) for f in CRM_SCHEMA)
    return fetch_table(
        f"SELECT {columns} FROM {_qn(Account._meta.db_table)} {where} ORDER BY {_qn('customer_id')}",
        params,
        CRM_SCHEMA,
    )


def run_standing(run_id: int) -> pa.Table:
    """Each account's standing in a run (:data:`grading_record.BEFORE_SCHEMA`): key account, grade."""
    columns = ", ".join(_qn(_column(AccountGrade, name)) for name in ("account", "key_account", "grade"))
    return fetch_table(
        f"SELECT {columns} FROM {_qn(AccountGrade._meta.db_table)} WHERE {_qn(_column(AccountGrade, 'run'))} = %s",
        [run_id],
        BEFORE_SCHEMA,
    )


# --- history ---------------------------------------------------------------------------------


def _history_enabled() -> bool:
    return bool(getattr(settings, "SIMPLE_HISTORY_ENABLED", True))


def _write_history(join: str, history_type: str, *, user_id: int | None, reason: str, rows: int = 0) -> None:
    """One history row per account joined by *join* (``JOIN temp ON …``), as it now stands (*rows*: how
    many, for :func:`bulk_load`)."""
    if not _history_enabled():
        return
    history = Account.history.model
    tracked = [f for f in history.tracked_fields if f.concrete]
    target = [_column(history, f.name) for f in tracked]
    target += [_column(history, n) for n in ("history_date", "history_change_reason", "history_type", "history_user")]
    source = ", ".join(f"a.{_qn(f.column)}" for f in tracked)
    history_date = _field(history, "history_date").get_db_prep_save(timezone.now(), connection)
    with bulk_load(history._meta.db_table, rows), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_qn(history._meta.db_table)} ({', '.join(_qn(c) for c in target)}) "
            f"SELECT {source}, %s, %s, %s, %s FROM {_qn(Account._meta.db_table)} a {join} "
            f"ORDER BY a.{_qn('customer_id')}",
            [history_date, reason, history_type, user_id],
        )


# --- new accounts ----------------------------------------------------------------------------


def _decimal(value: Any, places: int = 2) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


def _decimals(values: list[Any], places: int, *, zero: bool) -> list[Decimal | None]:
    """``_decimal`` of each value (``or Decimal(0)`` with *zero*), once per distinct value."""
    cache: dict[Any, Decimal | None] = {}
    out = []
    for v in values:
        if v not in cache:
            d = _decimal(v, places)
            cache[v] = (d or Decimal(0)) if zero else d
        out.append(cache[v])
    return out


def _suspects(customers: pa.Table) -> pa.Array:
    """Rows the model's validation might refuse (lengths, blanks, choices, digits), to check one by one."""
    suspect = pa.array([False] * customers.num_rows)
    for name in MASTER_DATA:
        field = _field(Account, "parent" if name == "parent_id" else name)
        column = customers[name]
        if pa.types.is_string(column.type) and name != "parent_id":
            text = pc.fill_null(column, "")
            checks = [pc.greater(pc.utf8_length(text), field.max_length or 10**9)]
            if not field.blank:
                checks.append(pc.equal(text, ""))
            if field.choices:
                allowed = [str(value) for value, _label in field.flatchoices]
                checks.append(pc.and_(pc.not_equal(text, ""), pc.invert(pc.is_in(text, pa.array(allowed)))))
            for check in checks:
                suspect = pc.or_(suspect, check)
        elif isinstance(field, DecimalField):
            limit = 10 ** ((field.max_digits or 0) - (field.decimal_places or 0)) - 0.01
            suspect = pc.or_(suspect, pc.fill_null(pc.greater_equal(pc.abs(column), limit), False))
    return suspect


def new_accounts(customer_ids: pa.Array | pa.ChunkedArray) -> pa.Table:
    """Accounts about to be created for *customer_ids*, with provisional negative ids and the standing
    the model gives a new account (:func:`grading_record.provisional`), for the run's plan."""
    default = {}
    for name in UPDATE_COLUMNS[1:]:
        value = _field(Account, name).get_default()
        default[name] = str(value) if isinstance(value, str) else value  # a choice's plain value
    return grading_record.provisional(customer_ids, default)


def create_accounts(
    customers: pa.Table, crm: pa.Table, standing: pa.Table, *, user_id: int | None, reason: str
) -> pa.Table:
    """CRM accounts for *customers* (rows of the store's customers dataset, by customer id), each
    already with the standing the run gives it (*standing*: :data:`grading_record.CRM_SCHEMA` rows by
    customer id, :func:`grading_record.new_standing`) and one ``+`` history row holding it; returns
    them as :data:`grading_record.CRM_SCHEMA` (their real ids).

    Parents are linked when the CRM held them before (*crm*, as the per-account code did). The model's
    validation is checked in sets; a row that might break it is validated by the model itself, so a
    bad row is refused with the model's own message before anything is written."""
    if not customers.num_rows:
        return CRM_SCHEMA.empty_table()
    customers = customers.sort_by("customer_id")
    suspect = _suspects(customers)
    if pc.any(suspect).as_py():
        for row in customers.filter(suspect).to_pylist():
            try:
                Account(**_master_data(row)).full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                errors = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
                raise ApplicationError(
                    _("Customer %(customer)s in the customers data cannot become a CRM account: %(errors)s")
                    % {"customer": row["customer_id"], "errors": errors}
                ) from exc
    parent_ids = pc.index_in(customers["parent_id"], value_set=crm["customer_id"])
    parents = pc.take(crm["id"], parent_ids)
    values: dict[str, list[Any]] = {
        name: customers[name].to_pylist() for name in MASTER_DATA if name not in ("parent_id", "connected_on")
    }
    values["parent_id"] = parents.to_pylist()
    at = pc.index_in(customers["customer_id"], value_set=standing["customer_id"])
    if at.null_count:
        raise ValueError("a new account has no standing")
    for name in UPDATE_COLUMNS[1:]:
        values[name] = pc.take(standing[name], at).to_pylist()
    values["connected_on"] = customers["connected_on"].to_pylist()
    values["voltage_kv"] = _decimals(values["voltage_kv"], 2, zero=True)
    values["contract_capacity_kva"] = _decimals(values["contract_capacity_kva"], 2, zero=True)
    values["latitude"] = _decimals(values["latitude"], 6, zero=False)
    values["longitude"] = _decimals(values["longitude"], 6, zero=False)
    for name in ("industry", "basic_charge_mode", "feeders", "important_grade", "district", "address"):
        values[name] = ["" if v is None else v for v in values[name]]
    now = timezone.now()
    columns: list[str] = []
    lists: list[Iterable[Any]] = []
    n = customers.num_rows
    for field in Account._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.attname in values:
            lists.append(values[field.attname])
        else:
            lists.append(itertools.repeat(_constant(field, now), n))
    with bulk_load(Account._meta.db_table, n):
        insert_rows(Account._meta.db_table, columns, zip(*lists, strict=False))  # the constants repeat
    with TempTable("powerkam_grading_new", {"customer_id": "varchar(40)"}) as new:
        new.fill((cid,) for cid in values["customer_id"])
        join = f"JOIN {_qn(new.name)} t ON t.{_qn('customer_id')} = a.{_qn('customer_id')}"
        _write_history(join, "+", user_id=user_id, reason=reason, rows=n)
        return _created(new.name)


def _created(temp: str) -> pa.Table:
    columns = ", ".join(f"a.{_qn(_column(Account, f.name))}" for f in CRM_SCHEMA)
    return fetch_table(
        f"SELECT {columns} FROM {_qn(Account._meta.db_table)} a "
        f"JOIN {_qn(temp)} t ON t.{_qn('customer_id')} = a.{_qn('customer_id')} ORDER BY a.{_qn('customer_id')}",
        (),
        CRM_SCHEMA,
    )


def _constant(field: Field[Any, Any], now: dt.datetime) -> Any:
    """A column the customers dataset does not give: its default, or now for the timestamps."""
    if isinstance(field, DateTimeField) and (field.auto_now or field.auto_now_add):
        return field.get_db_prep_save(now, connection)
    return field.get_db_prep_save(field.get_default(), connection)


def _master_data(row: dict[str, Any]) -> dict[str, Any]:
    """An account's fields from a customers row, as the per-account code built them (for validation)."""
    return {
        "customer_id": row["customer_id"],
        "name": row["name"],
        "industry": row["industry"] or "",
        "voltage_kv": _decimal(row["voltage_kv"]) or Decimal(0),
        "contract_capacity_kva": _decimal(row["contract_capacity_kva"]) or Decimal(0),
        "tariff": row["tariff"],
        "basic_charge_mode": row["basic_charge_mode"] or "",
        "feeders": row["feeders"] or "",
        "important_grade": row["important_grade"] or "",
        "district": row["district"] or "",
        "address": row["address"] or "",
        "latitude": _decimal(row["latitude"], 6),
        "longitude": _decimal(row["longitude"], 6),
        "connected_on": row["connected_on"],
    }


# --- grades and new standings ----------------------------------------------------------------


def insert_grades(run_id: int, grades: pa.Table) -> None:
    """One :class:`AccountGrade` per row of the plan (:data:`grading_record.GRADE_COLUMNS`)."""
    fields = {
        "account_id": "account",
        "key_account": "key_account",
        "grade": "grade",
        "credit_score": "credit_score",
        "value_rank": "value_rank",
        "annual_kwh": "annual_kwh",
        "annual_revenue": "annual_revenue_yuan",
        "active_months": "active_months",
        "late_payments": "late_payments",
        "max_days_late": "max_days_late",
        "overdue_yuan": "overdue_yuan",
        "reasons": "reasons",
        "change": "change",
        "previous_grade": "previous_grade",
    }
    assert tuple(fields) == GRADE_COLUMNS
    # Money as its decimal text (what Django sends for a Decimal): exact on both databases.
    for name in ("annual_revenue", "overdue_yuan"):
        grades = grades.set_column(grades.schema.get_field_index(name), name, pc.cast(grades[name], pa.string()))
    columns = [_column(AccountGrade, "run")]
    columns += [_column(AccountGrade, f) for f in fields.values()]
    grades = grades.select(list(GRADE_COLUMNS))
    grades = grades.add_column(0, "run", pa.repeat(pa.scalar(run_id, pa.int64()), grades.num_rows))
    with bulk_load(AccountGrade._meta.db_table, grades.num_rows):
        insert_table(AccountGrade._meta.db_table, columns, grades)


def update_accounts(updates: pa.Table, *, user_id: int | None, reason: str) -> None:
    """Give the accounts of *updates* (:data:`grading_record.UPDATE_COLUMNS`) their new standing, each
    with its ``~`` history row."""
    if not updates.num_rows:
        return
    types = {
        "id": "bigint",
        "key_status": "varchar(20)",
        "key_since": "date",
        "grade": "varchar(1)",
        "credit_score": "integer",
    }
    assert tuple(types) == UPDATE_COLUMNS
    table = _qn(Account._meta.db_table)
    with TempTable("powerkam_grading_standing", types) as standing:
        standing.fill(_rows(updates, list(UPDATE_COLUMNS)))
        assignments = ", ".join(f"{_qn(_column(Account, c))} = u.{_qn(c)}" for c in UPDATE_COLUMNS if c != "id")
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {_qn(standing.name)} u WHERE {table}.{_qn('id')} = u.{_qn('id')}"
            )
        _write_history(
            f"JOIN {_qn(standing.name)} u ON u.{_qn('id')} = a.{_qn('id')}", "~", user_id=user_id, reason=reason
        )
