"""Read the contract tables from a SQL database (SQLAlchemy URL) into a RawSource, validated like CSV (docs/data-contract.md, SQL source).

``DATA=sqlite:///shop.db`` or ``DATA=postgresql://user:pw@host/db`` reads the tables named as
in the contract (``sales``, ``users``, ...; missing optional tables are absent, as for CSV).
Tables or views with other names are chosen with the URL parameter ``tables``::

    postgresql://reader@db.example/shop?tables=sales:v_sales,users:crm.v_users

(contract table ``:`` table or view, optionally ``schema.name``). A view renames columns with
``AS``, so no column mapping is needed on this path. Rows are read in the order of the table's
contract id column (``sale_id``, ``product_id``...) when it has one.

Every value is read as text so the CSV parsers and rules apply unchanged: numbers become their
plain decimal text, dates ``YYYY-MM-DD``, naive timestamps ``YYYY-MM-DDTHH:MM:SS`` (still local
time), timestamps with a time zone their UTC time with ``Z`` (then converted to the report's
time zone). Rows are numbered like lines of a CSV file (first row read = line 2, the header
being line 1), and messages name ``table <name>`` or ``view <name> (<table>)``.

The connection is read-only where the driver allows it: SQLite is opened with
``mode=ro&immutable=1`` (also a ``file:`` URI of the user's, unless it sets ``immutable``
itself), so not even the ``-wal``/``-shm`` files of a WAL-mode database are created beside
it. Immutable means SQLite takes no locks and assumes the file does not change while it is
read: the suite reads it once per run, so write to the database between runs, not during one.
A database already open in a writing program (a ``-wal`` file is beside it) is opened
``mode=ro`` only, so the rows still in that file are read too. PostgreSQL and MySQL sessions
are set to read-only transactions. Nothing is written.

The URL's password never appears in messages or in ``Dataset.source``: the credentials are
split at the last ``@`` by :mod:`lib.data.urls` (a password may hold ``@ : / # ?``), the
driver gets exactly those (:func:`database_url`), and its messages lose every spelling of
the password (:func:`lib.data.urls.scrub_password`).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import urllib.parse
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pac
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from lib.config import DEFAULT_TZ
from lib.data.contract import TABLES
from lib.data.dataset import TEXT_DTYPE, ContractError, Dataset, Problem
from lib.data.raw import RawSource, RawTable
from lib.data.urls import mask_source, scrub_password, split_credentials
from lib.data.validate import dataset_from_raw

__all__ = ["TABLES_PARAM", "database_url", "masked_url", "parse_table_map", "read_only_engine", "read_sql_tables",
           "load_sql_dataset", "text_array"]

#: URL query parameter choosing tables/views for contract tables: ``tables=sales:v_sales,...``
TABLES_PARAM = "tables"
_BATCH = 100_000


def masked_url(url: str | URL) -> str:
    """The URL with its password replaced by ``***``: :func:`lib.data.urls.mask_source` (also for a URL object)."""
    return mask_source(url if isinstance(url, str) else url.render_as_string(hide_password=False))


def database_url(url: str) -> URL:
    """The SQLAlchemy URL of ``url`` with the credentials split at the last ``@`` (:mod:`lib.data.urls`).

    SQLAlchemy alone splits ``reader:p@ss@host`` at the first ``@`` and would send ``ss@host`` to
    the driver as the host name (which the driver then quotes in its error). Here it parses only
    the part after the credentials, and user and password are set from :mod:`lib.data.urls`
    (percent-decoded), so the driver gets exactly the password the masked text hides.

    Raises
    ------
    sqlalchemy.exc.ArgumentError, ValueError : not a URL SQLAlchemy can read (the message names no credentials).
    """
    c = split_credentials(url)
    if c is None or c.user is None:
        return make_url(url)
    u = make_url(f"{c.scheme}://{c.rest}")  # no '@' left: nothing for SQLAlchemy to split
    return u.set(username=urllib.parse.unquote(c.user) or None,
                 password=None if c.password is None else urllib.parse.unquote(c.password))


def _first_line(e: BaseException, url: str) -> str:
    """First line of a driver error, every spelling of the URL's password removed."""
    text = str(getattr(e, "orig", None) or e).strip()
    return scrub_password(text.splitlines()[0] if text else type(e).__name__, url)


def parse_table_map(spec: str) -> tuple[dict[str, str], list[str]]:
    """``"sales:v_sales,users:crm.v_users"`` -> ({contract table: source name}, problems as text)."""
    out: dict[str, str] = {}
    problems: list[str] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        table, sep, source = (x.strip() for x in part.partition(":"))
        if not sep or not table or not source:
            problems.append(f"{part!r} is not of the form table:source_name")
        elif table not in TABLES:
            problems.append(f"{table!r} is not a contract table ({', '.join(TABLES)})")
        elif table in out:
            problems.append(f"{table!r} is named twice")
        elif not re.fullmatch(r"[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?", source):
            problems.append(f"{source!r} is not a plain table or view name (letters, digits, _; optional schema.)")
        else:
            out[table] = source
    return out, problems


# --------------------------------------------------------------------------- values as text


def _timestamp_text(arr: pa.Array) -> pa.Array:
    """ISO text of a timestamp array: naive stays naive; zoned becomes UTC with ``Z``."""
    typ = arr.type
    zoned = typ.tz is not None
    naive = arr.cast(pa.timestamp(typ.unit)) if zoned else arr  # zoned values are stored as UTC
    try:
        text = naive.cast(pa.timestamp("s")).cast(pa.string())  # no fractional seconds: drop ".000000"
    except pa.ArrowInvalid:
        text = naive.cast(pa.string())
    text = pac.replace_substring(text, " ", "T")
    return pac.binary_join_element_wise(text, pa.scalar("Z"), "") if zoned else text


def text_array(values: list | tuple | pa.Array) -> pa.Array:
    """Plain text of one column's values (strings untouched, numbers and dates in ISO/plain form).

    Values the database returns as Python objects are converted by arrow in one pass;
    a column of mixed types (SQLite allows them) falls back to ``str()`` of each value.
    """
    if isinstance(values, pa.Array):
        arr = values
    else:
        try:
            arr = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            arr = pa.array([None if v is None else _plain(v) for v in values], pa.string())
    t = arr.type
    if pa.types.is_string(t):
        return arr
    if pa.types.is_large_string(t) or pa.types.is_null(t):
        return arr.cast(pa.string())
    if pa.types.is_timestamp(t):
        return _timestamp_text(arr)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        try:
            return arr.cast(pa.string())
        except pa.ArrowInvalid:
            return pa.array([None if v is None else v.decode("utf-8", "replace") for v in arr.to_pylist()],
                            pa.string())
    if pa.types.is_boolean(t):
        return arr.cast(pa.string())
    if pa.types.is_floating(t):
        arr = pac.if_else(pac.is_nan(arr), pa.scalar(None, t), arr)  # NaN is a blank cell
    try:
        return arr.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([None if v is None else _plain(v) for v in arr.to_pylist()], pa.string())


def _plain(v: object) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def _digest(name: str, columns: list[str], arrays: list[pa.Array]) -> str:
    """sha256 of a table's text contents: column names, and per column the values and blanks."""
    h = hashlib.sha256(f"{name}\n{chr(31).join(columns)}\n".encode())
    for arr in arrays:
        arr = pa.concat_arrays([arr]) if arr.offset else arr
        h.update(np.asarray(pac.is_null(arr), dtype=bool).tobytes())
        if len(arr):
            offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[: len(arr) + 1]
            h.update(np.diff(offsets).tobytes())
            data = arr.buffers()[2]
            if data is not None:
                h.update(memoryview(data)[int(offsets[0]):int(offsets[-1])])
    return h.hexdigest()


# --------------------------------------------------------------------------- connection


def _in_use(path: Path) -> bool:
    """A ``-wal`` file beside a SQLite database: a program has it open, rows may still be in that file."""
    return Path(f"{path}-wal").exists()


def _sqlite_engine(url: URL) -> sa.Engine:
    """Read-only SQLite engine (``mode=ro&immutable=1``); an absent file is an error, not a new database.

    Immutable: nothing is created beside the file, not even a WAL-mode database's ``-wal``/``-shm``
    (the file must not change during the read; module docstring). When a ``-wal`` file is
    already there, a program has the database open: ``mode=ro`` alone reads the rows still in it.
    """
    db = url.database or ""
    if db in ("", ":memory:"):
        return sa.create_engine(url)
    if db.startswith("file:"):  # the user's own URI: read as a URI, read-only and immutable unless it says otherwise
        given = {k.lower() for k in url.query}
        immutable = () if _in_use(Path(urllib.parse.unquote(db[5:]))) else (("immutable", "1"),)
        extra = {k: v for k, v in (("uri", "true"), ("mode", "ro"), *immutable) if k not in given}
        return sa.create_engine(url.update_query_dict(extra))
    path = Path(db).expanduser()
    if not path.is_file():
        raise ContractError([Problem(masked_url(url), None, "database file not found", detail=str(path))])
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro" + ("" if _in_use(path) else "&immutable=1")
    return sa.create_engine(url.set(database=""), creator=lambda: sqlite3.connect(uri, uri=True))


def _postgres_driver() -> str:
    import importlib.util

    return "psycopg" if importlib.util.find_spec("psycopg") else "psycopg2"


def read_only_engine(url: URL) -> sa.Engine:
    """An engine for ``url`` whose sessions cannot write (docs/data-contract.md, SQL source).

    SQLite is opened with ``mode=ro`` (an absent file is a ContractError, never a new database);
    every PostgreSQL and MySQL/MariaDB connection is set to read-only transactions before its
    first query. ``postgresql://`` uses psycopg 3 when installed, else psycopg2.
    """
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if url.drivername == "postgresql":  # SQLAlchemy 2.1 defaults to psycopg 3; use psycopg2 when only it is installed
        url = url.set(drivername="postgresql+" + _postgres_driver())
    engine = sa.create_engine(url)
    backend = url.get_backend_name()
    statement = {"postgresql": "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
                 "mysql": "SET SESSION TRANSACTION READ ONLY",
                 "mariadb": "SET SESSION TRANSACTION READ ONLY"}.get(backend)
    if statement:
        @sa.event.listens_for(engine, "connect")
        def _read_only(dbapi_conn, _record) -> None:  # every pooled connection, before any query
            cur = dbapi_conn.cursor()
            cur.execute(statement)
            cur.close()
            if backend == "postgresql":
                dbapi_conn.commit()  # end the implicit transaction psycopg opened; the setting stays
    return engine


def _relations(conn: sa.Connection) -> dict[str, str]:
    """Tables and views of the default schema: lower-case name -> name as stored."""
    insp = sa.inspect(conn)
    names = list(insp.get_table_names()) + list(insp.get_view_names())
    out: dict[str, str] = {}
    for n in names:
        out.setdefault(n.lower(), n)
    return out


def _key_column(table: str) -> str | None:
    """The contract's unique id column of a table (rows are read in its order), if it has one."""
    keys = [c.name for c in TABLES[table].columns if c.unique]
    return keys[0] if keys else None


def _read_relation(conn: sa.Connection, source: str, table: str) -> tuple[list[str], list[pa.Array]]:
    """Every column of one table/view as arrow text arrays, fetched in batches.

    A database table has no row order, so rows are read ordered by the contract's id column
    (e.g. sale_id) when the relation has it: the same contents give the same frames, line
    numbers and fingerprint, whatever the physical layout. Tables without an id column
    (touchpoints) keep the database's order.
    """
    prep = conn.dialect.identifier_preparer
    schema, _, name = source.rpartition(".")
    quoted = ".".join(prep.quote(p) for p in source.split("."))
    key = _key_column(table)
    order = ""
    if key:
        cols = {c["name"].lower(): c["name"] for c in sa.inspect(conn).get_columns(name, schema or None)}
        if key in cols:
            order = f" ORDER BY {prep.quote(cols[key])}"
    # the driver's own cursor: plain tuples, no per-row SQLAlchemy objects; a server-side
    # (named) cursor on PostgreSQL so a big table streams in batches instead of filling memory
    dbapi = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cur = dbapi.cursor(name=f"laceluxx_{uuid.uuid4().hex[:12]}")
        cur.itersize = _BATCH
    else:
        cur = dbapi.cursor()
    try:
        cur.execute(f"SELECT * FROM {quoted}{order}")
        batch = cur.fetchmany(_BATCH)
        columns = [str(d[0]).strip() for d in cur.description]  # named cursors know it after a fetch
        parts: list[list[pa.Array]] = [[] for _ in columns]
        all_text = pa.struct([(f"c{i}", pa.string()) for i in range(len(columns))])
        while batch:
            try:  # fast path: every value is text or NULL (TEXT columns), converted in one pass
                rows = pa.array(batch, type=all_text)
                for i in range(len(columns)):
                    parts[i].append(rows.field(i))
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # typed columns: per column, by value type
                for i, values in enumerate(zip(*batch, strict=True)):
                    parts[i].append(text_array(values))
            batch = cur.fetchmany(_BATCH)
    finally:
        cur.close()
    arrays = [pa.concat_arrays(p) if p else pa.array([], pa.string()) for p in parts]
    return columns, arrays


def read_sql_tables(url: str) -> RawSource:
    """Read step for a database: every contract table (or mapped view) as text.

    Parameters
    ----------
    url : SQLAlchemy URL, optionally with ``?tables=sales:v_sales,...`` (see module docstring).

    Returns
    -------
    RawSource whose tables are labelled ``table <name>`` (or ``view v_sales (sales)``), with
    line numbers = row number + 1, and a sha256 digest of each table's contents.
    """
    shown = mask_source(url)
    try:
        u = database_url(url)
    except Exception:  # noqa: BLE001 - any parse failure is a plain message (the parser's own text may quote the URL)
        raise ContractError([Problem(shown, None, "not a valid database URL",
                                     detail="e.g. sqlite:///path/to/shop.db or postgresql://user@host/db")]) from None
    spec = u.query.get(TABLES_PARAM)
    spec = ",".join(spec) if isinstance(spec, tuple) else spec
    table_map, bad = parse_table_map(spec) if spec else ({}, [])
    if bad:
        raise ContractError([Problem(shown, None, f"URL parameter '{TABLES_PARAM}' is not valid", detail=b)
                             for b in bad])
    u = u.difference_update_query([TABLES_PARAM])
    try:
        engine = read_only_engine(u)
    except ContractError:
        raise
    except Exception as e:  # noqa: BLE001 - unknown driver, bad URL parts
        raise ContractError([Problem(shown, None, "cannot open the database",
                                     detail=_first_line(e, url))]) from None
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    digests: dict[str, str] = {}
    failed: set[str] = set()
    try:
        with engine.connect() as conn:
            rel = _relations(conn)
            for name in TABLES:
                if name in table_map:
                    source = table_map[name]
                    label = f"view {source} ({name})"
                    if "." not in source and source.lower() not in rel:
                        problems.append(Problem(shown, None, f"table or view {source!r} for {name} not found",
                                                detail="tables and views: " + ", ".join(sorted(rel.values()))))
                        failed.add(name)
                        continue
                    source = rel.get(source.lower(), source)
                elif name in rel:
                    source, label = rel[name], f"table {name}"
                else:
                    continue
                try:
                    columns, arrays = _read_relation(conn, source, name)
                except (sa.exc.DBAPIError, conn.dialect.loaded_dbapi.Error) as e:
                    problems.append(Problem(label, None, "could not be read", detail=_first_line(e, url)))
                    failed.add(name)
                    conn.rollback()  # PostgreSQL aborts the transaction on an error: go on with a new one
                    continue
                dups = sorted({c for c in columns if columns.count(c) > 1})
                if dups:
                    problems.append(Problem(label, None, "duplicate column name", (1,), 1,
                                            ", ".join(repr(d) for d in dups)))
                    failed.add(name)
                    continue
                n = len(arrays[0]) if arrays else 0
                frame = pd.DataFrame({c: pd.Series(pd.arrays.ArrowStringArray(a, dtype=TEXT_DTYPE))
                                      for c, a in zip(columns, arrays, strict=True)})
                frame.index = pd.RangeIndex(n)
                digests[label] = _digest(source, columns, arrays)
                tables[name] = RawTable(name, frame, np.arange(2, n + 2, dtype=np.int64), (label,))
    except sa.exc.DBAPIError as e:
        raise ContractError([Problem(shown, None, "cannot read the database", detail=_first_line(e, url))]) from None
    finally:
        engine.dispose()
    mapping = None
    if table_map:
        mapping = f"{TABLES_PARAM}=" + ",".join(f"{t}:{s}" for t, s in table_map.items())
    notes = []
    if not tables and not problems:
        notes.append(f"No contract tables found in {shown}.")
    return RawSource(tables, problems, shown, mapping, notes, digests, failed,
                     hashlib.sha256(mapping.encode()).hexdigest() if mapping else None)


def load_sql_dataset(url: str, tz_name: str = DEFAULT_TZ, use_cache: bool = True) -> Dataset:
    """Load, validate and type the contract tables of a database (same rules as CSV folders).

    The cache key covers every table's contents, the table map, tz_name and LOADER_VERSION,
    so the tables are read on each call and only validation is cached.

    Raises
    ------
    ContractError : the database cannot be opened, or a hard rule is broken (naming table, line, column).
    """
    raw = read_sql_tables(url)
    return dataset_from_raw(raw, tz_name, use_cache=use_cache)
