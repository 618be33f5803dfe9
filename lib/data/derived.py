"""Derived tables computed once from the contract tables: sale lines, occasions, product lifecycles (docs/data-contract.md, Derived concepts)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from lib.data.dataset import Dataset

__all__ = [
    "WEEKDAYS", "GUEST_COLUMN", "cost_basis", "positions", "month_labels", "net_returns", "sale_lines",
    "completed_lines", "purchase_occasions", "product_lifecycle", "buyers", "write_sale_lines", "BUILD_MEMORY",
    "LINE_TABLES", "period_lines_file", "LIFECYCLE_TABLES", "write_product_lifecycle", "period_lifecycle_file",
]

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
#: the boolean column marking guest lines (lib.data.validate.GUEST_COLUMN; docs/data-contract.md, Guest sales)
GUEST_COLUMN = "is_guest"


def cost_basis(inventory: pd.DataFrame) -> pd.DataFrame:
    """Per product: quantity-weighted mean unit_cost of its lots (docs/data-contract.md, Cost basis).

    Returns columns ``product_id, cost_basis, units_acquired, date_acquired,
    date_listed, clock_start`` where dates are the earliest of the product's
    lots and ``clock_start`` is date_listed, else date_acquired (docs/metrics.md,
    Kaplan-Meier median).
    """
    inv = inventory[["product_id", "unit_cost", "quantity", "date_acquired", "date_listed"]].copy()
    inv["cost_x_qty"] = inv["unit_cost"] * inv["quantity"]
    g = inv.groupby("product_id", sort=False, observed=True)
    out = g.agg(cost_x_qty=("cost_x_qty", "sum"), units_acquired=("quantity", "sum"),
                date_acquired=("date_acquired", "min"), date_listed=("date_listed", "min"))
    out["cost_basis"] = out["cost_x_qty"] / out["units_acquired"]
    out["clock_start"] = out["date_listed"].fillna(out["date_acquired"])
    return out.drop(columns="cost_x_qty").reset_index()


def positions(keys: pd.Series, index_keys: pd.Series) -> np.ndarray:
    """Row position of each key in ``index_keys`` (-1 when absent), by an Arrow hash lookup.

    Much faster than a pandas merge on string keys at a million rows; ``index_keys`` are unique.
    """
    pos = pc.index_in(pa.array(keys.astype("string"), type=pa.string()),
                      value_set=pa.array(index_keys.astype("string"), type=pa.string()))
    return pos.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _take(frame: pd.DataFrame, pos: np.ndarray, cols: list[str], index: pd.Index) -> dict[str, pd.Series]:
    """Columns of ``frame`` at row positions ``pos`` (missing where pos is -1)."""
    return {c: pd.Series(frame[c].array.take(pos, allow_fill=True), index=index) for c in cols if c in frame}


def month_labels(ts: pd.Series) -> pd.Series:
    """``YYYY-MM`` of each timestamp, computed on the few distinct months (strftime is slow at 1M rows)."""
    ym = ts.dt.year.to_numpy() * 12 + ts.dt.month.to_numpy() - 1
    uniq, inv = np.unique(ym, return_inverse=True)
    labels = np.array([f"{u // 12:04d}-{u % 12 + 1:02d}" for u in uniq], dtype=object)
    return pd.Series(labels[inv] if len(uniq) else [], index=ts.index, dtype="str")


def _is_in(values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``np.isin`` by an Arrow hash lookup (numpy's sorts and is several times slower at 1M rows)."""
    return pc.is_in(pa.array(values), value_set=pa.array(np.unique(wanted) if len(wanted) < 1000 else wanted)
                    ).to_numpy(zero_copy_only=False)


def _buyer_product_keys(s: pd.DataFrame, rows: np.ndarray | None = None) -> np.ndarray:
    """One int64 per row for its (buyer, product) pair; -1 where either is missing (no product column: all -1).

    With ``rows`` (a mask) only the pairs of those rows are built, the others are -1; with it, only rows whose
    product one of ``rows`` also has are worth building (a few at 1M lines)."""
    if "product_id" not in s:
        return np.full(len(s), -1, np.int64)
    if rows is not None:
        out = np.full(len(s), -1, np.int64)
        idx = np.flatnonzero(rows)
        out[idx] = _buyer_product_keys(s.iloc[idx])
        return out
    def codes(col: pd.Series) -> tuple[np.ndarray, int]:
        arr = pa.array(col.astype("string").array, type=pa.string())
        d = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
        return d.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64), len(d.dictionary)

    b, _ = codes(s["buyer_id"])
    pr, n_products = codes(s["product_id"])
    return np.where((b >= 0) & (pr >= 0), b * (n_products + 1) + pr, -1)


def net_returns(sales: pd.DataFrame) -> pd.DataFrame:
    """How the return lines of ``sales`` net against the sales they return (docs/data-contract.md, Return lines).

    One row per sales row, in its order: ``is_return`` (the line is a return), ``return_of`` (the sale_id it
    nets against first, NA when it matched nothing), ``unmatched_units`` (a return's units that no sale held),
    ``returned_units`` and ``returned_revenue`` (netted from a sale line). A return nets against the sale its
    ``original_sale_id`` names, else against the same buyer's completed sales of the same product dated at or
    before it, latest first, each up to its units left; returns are taken in date order. A refunded line with a
    positive quantity and no ``original_sale_id`` is a return only when it matches such a sale (else it is a
    refunded sale); a guest return matches only through ``original_sale_id``.
    """
    n = len(sales)
    qty = sales["quantity"].to_numpy(dtype=np.int64)
    if "status" in sales:
        refunded = sales["status"].eq("refunded").to_numpy(dtype=bool)
        sale = sales["status"].eq("completed").to_numpy(dtype=bool) & (qty > 0)
    else:
        refunded, sale = np.zeros(n, bool), qty > 0
    has_orig = (sales["original_sale_id"].notna().to_numpy(dtype=bool) if "original_sale_id" in sales
                else np.zeros(n, bool))
    sure = (qty < 0) | (refunded & (qty > 0) & has_orig)
    maybe = refunded & (qty > 0) & ~has_orig
    key = None
    if maybe.any() and "product_id" in sales:  # a refunded line is a return only if its buyer bought the product
        prod = pa.array(sales["product_id"].astype("string").array, type=pa.string())
        same = pc.is_in(prod, value_set=pc.unique(pc.filter(prod, pa.array(maybe | sure)))).to_numpy(
            zero_copy_only=False)
        key = _buyer_product_keys(sales, same.astype(bool))
        maybe &= _is_in(key, key[sale & (key >= 0) & _is_in(key, key[maybe])]) & (key >= 0)
    else:
        maybe[:] = False
    is_return = sure | maybe
    returned_units, returned_rev = np.zeros(n, np.int64), np.zeros(n)
    unmatched = np.zeros(n, np.int64)
    return_of = pd.Series(pd.arrays.ArrowStringArray(pa.nulls(n, pa.string())), index=sales.index,
                          dtype="string[pyarrow]")
    ret = np.flatnonzero(is_return)
    if len(ret):
        if key is None:
            key = _buyer_product_keys(sales)
        left = np.where(sale, qty, 0)
        ids = sales["sale_id"].astype("string").to_numpy()
        when = sales["date_sold"].to_numpy()
        price = sales["sale_price"].to_numpy(dtype="float64")
        rkeys = np.unique(key[ret][(key[ret] >= 0) & ~has_orig[ret]])
        cand = np.flatnonzero(sale & _is_in(key, rkeys))
        cand = cand[np.lexsort((cand, when[cand]))]  # by date, then input order
        by_key: dict[int, list[int]] = {}
        for i, k in zip(cand.tolist(), key[cand].tolist(), strict=True):
            by_key.setdefault(k, []).append(i)
        orig = sales["original_sale_id"].astype("string").to_numpy() if has_orig.any() else None
        pos_of = {sid: i for i, sid in enumerate(ids)} if orig is not None else {}
        matched_of: dict[int, str] = {}
        for r in ret[np.lexsort((ret, when[ret]))].tolist():
            units = int(abs(qty[r]))
            if has_orig[r]:
                j = pos_of.get(orig[r])
                chain = [j] if j is not None and sale[j] else []
            elif key[r] >= 0:
                chain = [j for j in reversed(by_key.get(int(key[r]), [])) if when[j] <= when[r]]
            else:
                chain = []
            for j in chain:
                take = min(units, int(left[j]))
                if take <= 0:
                    continue
                left[j] -= take
                returned_units[j] += take
                returned_rev[j] += take * price[r]
                units -= take
                matched_of.setdefault(r, ids[j])
                if units == 0:
                    break
            if maybe[r] and r not in matched_of:  # a refunded sale after all: nothing left to net against
                is_return[r] = False
                continue
            unmatched[r] = units
        if matched_of:
            rows = np.fromiter(matched_of, dtype=np.int64)
            vals = np.full(n, None, dtype=object)
            vals[rows] = [matched_of[r] for r in rows.tolist()]
            return_of = pd.Series(pd.array(vals, dtype="string[pyarrow]"), index=sales.index)
    return pd.DataFrame({"is_return": is_return, "return_of": return_of, "unmatched_units": unmatched,
                         "returned_units": returned_units, "returned_revenue": returned_rev}, index=sales.index)


def sale_lines(tables: dict[str, pd.DataFrame], until: pd.Timestamp | None = None) -> pd.DataFrame:
    """Every sales row enriched for analysis, returns netted (docs/metrics.md, Revenue and gross profit;
    docs/data-contract.md, Sale lines and Return lines).

    Adds ``revenue`` (sale_price x quantity, net of returns), ``is_completed``
    (a completed sale not returned in full), ``is_return``, ``return_of``,
    ``unmatched_units``, ``gross_quantity``, ``gross_revenue``,
    ``returned_units``, ``returned_revenue`` (lib.data.derived.net_returns),
    ``is_guest`` (no buyer), ``date`` (local calendar day), ``weekday``
    (Monday=0), ``hour``, ``month`` (``YYYY-MM``) and, when
    products/brands/inventory are present, ``brand_id, brand_name, category,
    condition, list_price, cost_basis, cogs, gross_profit, clock_start,
    days_to_sell``. ``quantity`` of a sale line is its net units. Gross profit
    is NaN where the cost basis is unknown. ``days_to_sell`` is whole calendar
    days from clock_start to the sale day. With ``until`` only the rows dated
    before it are kept, so that a later return does not change a report of an
    earlier month.
    """
    s = tables["sales"]
    if until is not None:
        s = s[(s["date_sold"] < pd.Timestamp(until)).to_numpy()].reset_index(drop=True)
    s = s.copy(deep=False)  # copy-on-write: the sales columns are shared, not duplicated
    nr = net_returns(s)
    gross_qty = s["quantity"].to_numpy(dtype=np.int64)
    sale = ~nr["is_return"].to_numpy() & (gross_qty > 0)
    s["gross_quantity"] = gross_qty
    s["gross_revenue"] = s["sale_price"] * s["quantity"]
    for c in nr.columns:
        s[c] = nr[c]
    if nr["returned_units"].any():
        s["quantity"] = np.where(sale, gross_qty - nr["returned_units"].to_numpy(), gross_qty)
        s["revenue"] = np.where(sale, np.maximum(s["gross_revenue"].to_numpy() - nr["returned_revenue"].to_numpy(),
                                                 0.0), s["gross_revenue"].to_numpy())
    else:
        s["revenue"] = s["gross_revenue"]
    s["is_completed"] = s["status"].eq("completed").to_numpy() & sale & (s["quantity"].to_numpy() > 0)
    guest = s["buyer_id"].isna().to_numpy() if "buyer_id" in s else np.zeros(len(s), dtype=bool)
    if GUEST_COLUMN in s:
        guest = guest | s[GUEST_COLUMN].fillna(False).to_numpy(dtype=bool)
    s[GUEST_COLUMN] = guest
    s["date"] = s["date_sold"].dt.normalize()
    s["weekday"] = s["date_sold"].dt.day_of_week.astype("int8")
    s["hour"] = s["date_sold"].dt.hour.astype("int8")
    s["month"] = month_labels(s["date_sold"])
    if "products" in tables and "product_id" in s:
        p = tables["products"]
        pos = positions(s["product_id"], p["product_id"])
        for c, v in _take(p, pos, ["brand_id", "category", "condition", "list_price"], s.index).items():
            s[c] = v
        if "brands" in tables:
            b = tables["brands"]
            bpos = positions(s["brand_id"], b["brand_id"])
            s["brand_name"] = _take(b, bpos, ["brand_name"], s.index)["brand_name"]
    if "inventory" in tables and "product_id" in s:
        cb = cost_basis(tables["inventory"])
        pos = positions(s["product_id"], cb["product_id"])
        for c, v in _take(cb, pos, ["cost_basis", "clock_start"], s.index).items():
            s[c] = v
        s["cogs"] = s["cost_basis"] * s["quantity"]
        s["gross_profit"] = s["revenue"] - s["cogs"] - s["fees"] - s["shipping_cost"]
        s["days_to_sell"] = (s["date"] - s["clock_start"]).dt.days
    return s


def completed_lines(lines: pd.DataFrame, columns: list[str] | None = None, optional: tuple[str, ...] = (),
                    where: np.ndarray | pd.Series | None = None) -> pd.DataFrame:
    """Only completed sale lines: the ones that count as revenue (docs/metrics.md, Completed sale).

    ``columns`` keeps only those columns (and the ``optional`` ones the lines have) before the
    rows are filtered, so a million wide lines are not copied for a few columns (issue 8);
    ``where`` is a further row condition. The index of the lines is kept.
    """
    keep = lines["is_completed"].to_numpy(dtype=bool)
    if where is not None:
        keep = keep & np.asarray(where, dtype=bool)
    if columns is not None:
        lines = lines[list(columns) + [c for c in optional if c in lines.columns and c not in columns]]
    return lines[keep]


def purchase_occasions(lines: pd.DataFrame, period_end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Purchase occasions: completed sales of one named buyer on one local calendar day, net of returns, guest lines
    left out (docs/metrics.md, Purchase occasion).

    Columns ``buyer_id, date, revenue, units, lines`` and ``gross_profit`` when known, sorted by
    buyer then day. ``period_end`` keeps only the days on or before it (default: every line).
    """
    agg = {"revenue": ("revenue", "sum"), "units": ("quantity", "sum"), "lines": ("sale_id", "size")}
    if "gross_profit" in lines.columns:
        agg["gross_profit"] = ("gross_profit", "sum")
    named = lines["buyer_id"].notna().to_numpy()  # guest lines form no occasion (docs/data-contract.md, Guest sales)
    if GUEST_COLUMN in lines:
        named = named & ~lines[GUEST_COLUMN].to_numpy(dtype=bool)
    where = named if period_end is None else named & (lines["date"] <= pd.Timestamp(period_end).normalize()).to_numpy()
    c = completed_lines(lines, ["buyer_id", "date", "revenue", "quantity", "sale_id"], optional=("gross_profit",),
                        where=where)
    occ = c.groupby(["buyer_id", "date"], sort=True, observed=True).agg(**agg).reset_index()
    return occ


def product_lifecycle(tables: dict[str, pd.DataFrame], lines: pd.DataFrame,
                      period_end: pd.Timestamp) -> pd.DataFrame:
    """Per product known by period_end: its clock start, first completed sale and censoring.

    A product's clock starts at its earliest date_listed (else date_acquired) and
    stops at its first completed sale on or before period_end; unsold products are
    censored at period_end (docs/metrics.md, Kaplan-Meier median). Products whose clock
    starts after period_end are left out. Columns ``product_id, clock_start,
    sold_date, sold, duration_days, cost_basis, units_acquired, units_sold,
    units_on_hand`` plus product attributes.
    """
    end_day = pd.Timestamp(period_end).normalize()
    cb = cost_basis(tables["inventory"])
    cb = cb[cb["clock_start"] <= end_day]
    cb = cb.reset_index(drop=True)
    c = completed_lines(lines, ["product_id", "date", "quantity"], where=(lines["date"] <= end_day).to_numpy())
    # first completed sale and units sold per product, grouped on integer positions (fast at 1M rows)
    pos = positions(c["product_id"], cb["product_id"])
    known = pos >= 0
    first = pd.DataFrame({"pos": pos[known], "date": c["date"].to_numpy()[known],
                          "qty": c["quantity"].to_numpy()[known]}).groupby("pos").agg(
        sold_date=("date", "min"), units_sold=("qty", "sum"))
    lc = cb
    lc["sold_date"] = pd.Series(first["sold_date"]).reindex(lc.index)
    lc["units_sold"] = pd.Series(first["units_sold"]).reindex(lc.index)
    lc["sold"] = lc["sold_date"].notna()
    stop = lc["sold_date"].where(lc["sold"], end_day)
    lc["duration_days"] = (stop - lc["clock_start"]).dt.days.clip(lower=0).astype("int64")
    lc["units_sold"] = lc["units_sold"].fillna(0).astype("int64")
    lc["units_on_hand"] = (lc["units_acquired"] - lc["units_sold"]).clip(lower=0).astype("int64")
    if "products" in tables:
        p = tables["products"]
        ppos = positions(lc["product_id"], p["product_id"])
        for col, v in _take(p, ppos, ["brand_id", "product_name", "category", "condition", "list_price", "sku"],
                            lc.index).items():
            lc[col] = v
        if "brands" in tables:
            b = tables["brands"]
            lc["brand_name"] = _take(b, positions(lc["brand_id"], b["brand_id"]), ["brand_name"],
                                     lc.index)["brand_name"]
    return lc


def buyers(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Users who can be customers: role ``buyer`` (or every user when role is absent)."""
    u = tables["users"]
    if "role" in u.columns:
        return u[u["role"].fillna("buyer").eq("buyer")]
    return u




#: the sales columns the SQL build needs (else the lines are built by :func:`sale_lines`)
_SQL_SALES = ("sale_id", "product_id", "buyer_id", "date_sold", "sale_price", "quantity", "status")
#: one day in nanoseconds: days_to_sell is the floor of the day difference, as pandas' ``Timedelta.days``
_DAY_NS = 86_400_000_000_000
#: the memory limit of the DuckDB database that builds the lines (it spills beyond it): the kernel stays small
BUILD_MEMORY = "400MB"
_DUCK_TYPES = {"int8": "TINYINT", "int64": "BIGINT", "float64": "DOUBLE", "bool": "BOOLEAN", "str": "VARCHAR",
               "string": "VARCHAR", "datetime64[ns]": "TIMESTAMP_NS", "datetime64[us]": "TIMESTAMP",
               "datetime64[ms]": "TIMESTAMP_MS", "datetime64[s]": "TIMESTAMP_S"}


def _empty(dtypes: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})


def _sql_str(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _duck_type(dtype: object) -> str | None:
    """The DuckDB type a column of ``dtype`` is written as (pandas reads it back as that dtype), None for a dtype
    the SQL build does not write."""
    return _DUCK_TYPES.get(str(dtype))


def _sql_cost_basis(con, inventory: str) -> None:
    """Register ``_ll_cb``: :func:`cost_basis` of the inventory Parquet file in SQL. A product of one or two lots is
    summed in SQL (one addition: the same double in any order); one of more lots in pandas (compensated sums in
    input order), so every cost basis is the pandas value bit for bit. ``_first`` is the row of the product's
    first lot (the order of :func:`cost_basis`)."""
    con.execute(f"""CREATE TEMP TABLE _ll_cb AS
        SELECT product_id, COALESCE(SUM(unit_cost * quantity), 0.0) / SUM(quantity) AS cost_basis,
               COALESCE(MIN(date_listed), MIN(date_acquired))::TIMESTAMP_NS AS clock_start, COUNT(*) AS _lots,
               SUM(quantity)::BIGINT AS units_acquired, MIN(date_acquired) AS date_acquired,
               MIN(date_listed) AS date_listed, MIN(file_row_number) AS _first
        FROM read_parquet({inventory}, file_row_number=true) GROUP BY product_id""")
    many = con.sql(f"""SELECT product_id, unit_cost, quantity, date_acquired, date_listed
        FROM read_parquet({inventory}, file_row_number=true)
        WHERE product_id IN (SELECT product_id FROM _ll_cb WHERE _lots > 2) ORDER BY file_row_number""")
    cb_many = cost_basis(many.to_arrow_table().to_pandas())[["product_id", "cost_basis", "clock_start"]]
    con.register("_ll_cb_many", pa.Table.from_pandas(cb_many, preserve_index=False).cast(
        pa.schema([("product_id", pa.string()), ("cost_basis", pa.float64()), ("clock_start", pa.timestamp("ns"))])))
    con.execute("""UPDATE _ll_cb SET cost_basis = m.cost_basis, clock_start = m.clock_start
                   FROM _ll_cb_many m WHERE _ll_cb.product_id = m.product_id""")


def _sql_net_returns(con, cols: set[str]) -> tuple[pa.Table, bool]:
    """:func:`net_returns` of the sales view ``_ll_s``, run in pandas on the only rows it can touch: the return
    candidates (negative or refunded lines), the completed sales of their buyer and product, and the lines their
    ``original_sale_id`` names, in input order. Returns the rows it changed (``_row`` and the netting columns) and
    whether any sale had units returned."""
    orig = "original_sale_id" if "original_sale_id" in cols else "NULL::VARCHAR AS original_sale_id"
    sub = con.sql(f"""
    WITH r AS (SELECT _row, buyer_id, product_id, {orig} FROM _ll_s
               WHERE quantity < 0 OR (status = 'refunded' AND quantity > 0)),
    k AS (SELECT DISTINCT buyer_id, product_id FROM r
          WHERE original_sale_id IS NULL AND buyer_id IS NOT NULL AND product_id IS NOT NULL),
    o AS (SELECT DISTINCT original_sale_id AS sale_id FROM r WHERE original_sale_id IS NOT NULL),
    rows AS (SELECT _row FROM r
             UNION SELECT s._row FROM _ll_s s JOIN k USING (buyer_id, product_id)
                   WHERE s.status = 'completed' AND s.quantity > 0
             UNION SELECT s._row FROM _ll_s s JOIN o USING (sale_id))
    SELECT _row, sale_id, product_id, buyer_id, date_sold, sale_price, quantity, status, {orig}
    FROM _ll_s WHERE _row IN (SELECT _row FROM rows) ORDER BY _row""").to_arrow_table().to_pandas()
    nr = net_returns(sub)
    changed = (nr["is_return"] | (nr["returned_units"] > 0)).to_numpy()
    nr.insert(0, "_row", sub["_row"].astype("int64"))
    nr = nr[changed].reset_index(drop=True)
    schema = pa.schema([("_row", pa.int64()), ("is_return", pa.bool_()), ("return_of", pa.string()),
                        ("unmatched_units", pa.int64()), ("returned_units", pa.int64()),
                        ("returned_revenue", pa.float64())])
    return pa.Table.from_pandas(nr, preserve_index=False).cast(schema), bool(nr["returned_units"].gt(0).any())


def write_sale_lines(files: dict[str, str], dtypes: dict[str, dict[str, str]], until: pd.Timestamp | None,
                     path: str) -> bool:
    """:func:`sale_lines` of the tables' Parquet ``files`` written straight to the Parquet file ``path`` by DuckDB,
    never held in pandas: the same rows, columns, values and dtypes (docs/data-contract.md, Sale lines and Return
    lines), completed lines first, then the others, each in input order (lib.report.notebook.Report.lines).

    ``files`` maps table names (``sales`` and any of ``products, inventory, brands``) to their files, ``dtypes``
    the cached tables' pandas dtypes; only the rows dated before ``until`` are kept. Returns False (nothing
    written) when the sales lack a column the SQL needs: :func:`sale_lines` builds those lines.
    """
    import duckdb

    from lib.data.engine import connect  # the engine reads derived frames: imported when used

    if "sales" not in files or not set(_SQL_SALES) <= set(dtypes["sales"]):
        return False
    ref = sale_lines({t: _empty(dtypes[t]) for t in files})  # the columns and dtypes of the pandas build
    if ("inventory" in files and not {"fees", "shipping_cost"} <= set(dtypes["sales"])) or any(
            _duck_type(t) is None for t in ref.dtypes):
        return False
    scols = list(dtypes["sales"])
    # a database of its own, closed (its memory freed) once the file is written; it keeps the order it selects
    con = connect(memory=BUILD_MEMORY)
    con.execute("SET preserve_insertion_order = true")
    try:
        cut = f"WHERE date_sold < {_sql_str(pd.Timestamp(until).isoformat())}::TIMESTAMP_NS" if until is not None \
            else ""
        con.execute(f"""CREATE TEMP VIEW _ll_s AS SELECT *, file_row_number AS _row
                        FROM read_parquet({_sql_str(files['sales'])}, file_row_number=true) {cut}""")
        nr, returned = _sql_net_returns(con, set(scols))
        con.register("_ll_nr", nr)
        # what the joins add, one narrow row per sales row in input order; the wide lines are then the sales
        # scan and these rows side by side (POSITIONAL JOIN): no wide sort, no wide hash table
        nr_cols = {"is_return": "BOOLEAN", "return_of": "VARCHAR", "unmatched_units": "BIGINT",
                   "returned_units": "BIGINT", "returned_revenue": "DOUBLE"}
        if nr.num_rows:
            dims = [f"nr.{c} AS nr_{c}" for c in nr_cols]
            joins = "LEFT JOIN _ll_nr nr USING (_row)"
        else:  # no return line: nothing to join
            dims, joins = ["NULL AS nr_none"], ""
        d_nr = {c: f"d.nr_{c}" if nr.num_rows else f"NULL::{t}" for c, t in nr_cols.items()}
        products = "products" in files and "product_id" in scols
        if products:
            joins += f" LEFT JOIN read_parquet({_sql_str(files['products'])}) p ON p.product_id = s.product_id"
            dims += [f"p.{_q(c)} AS {_q('p_' + c)}" for c in ("brand_id", "category", "condition", "list_price")
                     if c in dtypes["products"]]
            if "brands" in files and "brand_id" in dtypes["products"]:
                joins += f" LEFT JOIN read_parquet({_sql_str(files['brands'])}) b ON b.brand_id = p.brand_id"
                dims.append("b.brand_name AS b_brand_name")
        costs = "inventory" in files and "product_id" in scols
        if costs:
            _sql_cost_basis(con, _sql_str(files["inventory"]))
            joins += " LEFT JOIN _ll_cb cb ON cb.product_id = s.product_id"
            dims += ["cb.cost_basis AS cb_cost_basis", "cb.clock_start AS cb_clock_start"]
        con.execute(f"CREATE TEMP TABLE _ll_d AS SELECT {', '.join(dims)} FROM _ll_s s {joins} ORDER BY s._row")
        sale = f"(NOT COALESCE({d_nr['is_return']}, false) AND s.quantity > 0)"
        gross_rev = "(s.sale_price * s.quantity)"
        returned_rev = f"COALESCE({d_nr['returned_revenue']}, 0.0)"
        net_qty = f"(CASE WHEN {sale} THEN s.quantity - COALESCE({d_nr['returned_units']}, 0) ELSE s.quantity END)" \
            if returned else "s.quantity"
        revenue = (f"(CASE WHEN {sale} THEN greatest({gross_rev} - {returned_rev}, 0.0) ELSE {gross_rev} END)"
                   if returned else gross_rev)
        guest = "s.buyer_id IS NULL" + (f" OR COALESCE(s.{GUEST_COLUMN}, false)" if GUEST_COLUMN in scols else "")
        cogs = f"(d.cb_cost_basis * {net_qty})"
        day = "date_trunc('day', s.date_sold)"
        diff = f"(epoch_ns({day}::TIMESTAMP_NS) - epoch_ns(d.cb_clock_start))"
        expr = {
            "quantity": net_qty, "gross_quantity": "s.quantity", "gross_revenue": gross_rev,
            "is_return": f"COALESCE({d_nr['is_return']}, false)", "return_of": d_nr["return_of"],
            "unmatched_units": f"COALESCE({d_nr['unmatched_units']}, 0)",
            "returned_units": f"COALESCE({d_nr['returned_units']}, 0)",
            "returned_revenue": returned_rev, "revenue": revenue,
            "is_completed": f"(COALESCE(s.status = 'completed', false) AND {sale} AND {net_qty} > 0)",
            GUEST_COLUMN: f"({guest})", "date": day, "weekday": "isodow(s.date_sold) - 1",
            "hour": "hour(s.date_sold)", "month": "strftime(s.date_sold, '%Y-%m')",
        }
        if products:
            expr.update({c: f"d.{_q('p_' + c)}" for c in ("brand_id", "category", "condition", "list_price")
                         if c in dtypes["products"]})
            if "brands" in files and "brand_id" in dtypes["products"]:
                expr["brand_name"] = "d.b_brand_name"
        if costs:
            expr.update({"cost_basis": "d.cb_cost_basis", "clock_start": "d.cb_clock_start", "cogs": cogs,
                         "gross_profit": f"({revenue} - {cogs} - s.fees - s.shipping_cost)",
                         "days_to_sell": f"(({diff}) - ((({diff}) % {_DAY_NS}) + {_DAY_NS}) % {_DAY_NS}) // {_DAY_NS}"})
        select = ", ".join(f"CAST({expr.get(c, 's.' + _q(c))} AS {_duck_type(t)}) AS {_q(c)}"
                           for c, t in ref.dtypes.items())
        meta = pa.Schema.from_pandas(ref, preserve_index=False).metadata[b"pandas"].decode()
        lines = f"SELECT {select} FROM _ll_s s POSITIONAL JOIN _ll_d d"  # order kept by WHERE and UNION ALL
        con.execute(f"""COPY (SELECT * FROM ({lines}) WHERE is_completed UNION ALL
                              SELECT * FROM ({lines}) WHERE NOT is_completed)
                        TO {_sql_str(path)} (FORMAT parquet, KV_METADATA {{pandas: {_sql_str(meta)}}})""")
    except duckdb.IOException:
        return False  # a full or read-only disk: the caller builds the lines in pandas
    finally:
        con.close()
    return True


#: the input tables the sale lines are built from (docs/data-contract.md, Sale lines)
LINE_TABLES = ("sales", "products", "inventory", "brands")


def period_lines_file(ds: Dataset, period_label: str, until: pd.Timestamp) -> Path | None:
    """A period's cached sale lines as a Parquet file (lines dated before ``until``), written by DuckDB straight
    from the cached tables when it is not there yet (lib.data.derived.write_sale_lines: never held in pandas;
    its time counts in :func:`sql_time`); None for a dataset held in memory or when DuckDB could not build them
    (the caller then builds them in pandas: lib.data.derived.sale_lines)."""
    from lib.data.cache import derived_file, table_dtypes, table_file, write_derived
    from lib.data.engine import timed_sql  # the engine reads derived frames: imported when used

    if derived_file(ds, period_label, "lines") is None:
        return None
    files = {t: str(f) for t in LINE_TABLES if (f := table_file(ds, t)) is not None}
    dtypes = {t: table_dtypes(ds, t) for t in files}
    return timed_sql(lambda: write_derived(ds, period_label, "lines",
                                           lambda tmp: write_sale_lines(files, dtypes, until, str(tmp))))


#: the input tables the product lifecycles are built from, beside the sale lines (docs/data-contract.md, Derived
#: concepts)
LIFECYCLE_TABLES = ("inventory", "products", "brands")
#: the product attributes whose dtype a lookup keeps when a product is missing (an int or bool one becomes float)
_STABLE_ATTRIBUTES = ("string", "str", "float64")


def write_product_lifecycle(files: dict[str, str], dtypes: dict[str, dict[str, str]], lines: str,
                            period_end: pd.Timestamp, path: str) -> bool:
    """:func:`product_lifecycle` at ``period_end`` written straight to the Parquet file ``path`` by DuckDB from the
    tables' Parquet ``files`` (``inventory`` and any of ``products, brands``) and the period's sale lines file
    ``lines`` (:func:`write_sale_lines`), never held in pandas: the same rows, order, columns, values and dtypes
    (docs/metrics.md, Kaplan-Meier median; docs/data-contract.md, Cost basis). ``dtypes`` are the cached tables'
    pandas dtypes. Returns False (nothing written) where the SQL would not give the pandas frame: the pandas
    build then runs (or fails as it does)."""
    import duckdb

    from lib.data.engine import connect  # the engine reads derived frames: imported when used

    if "inventory" not in files:
        return False
    empty_lines = pq.read_schema(lines).empty_table().to_pandas()
    if not {"product_id", "date", "quantity", "is_completed"} <= set(empty_lines.columns):
        return False
    end_day = pd.Timestamp(period_end).normalize()
    try:  # the columns and dtypes of the pandas build
        ref = product_lifecycle({t: _empty(dtypes[t]) for t in files}, empty_lines, end_day)
    except KeyError:
        return False
    attrs = [c for c in ("brand_id", "product_name", "category", "condition", "list_price", "sku")
             if "products" in files and c in dtypes["products"]]
    if any(_duck_type(t) is None for t in ref.dtypes) or any(
            dtypes["products"][c] not in _STABLE_ATTRIBUTES for c in attrs):
        return False
    end = f"{_sql_str(end_day.isoformat())}::TIMESTAMP_NS"
    con = connect(memory=BUILD_MEMORY)
    con.execute("SET preserve_insertion_order = true")
    try:
        _sql_cost_basis(con, _sql_str(files["inventory"]))
        joins, expr = "", {}
        if attrs:
            joins += f" LEFT JOIN read_parquet({_sql_str(files['products'])}) p ON p.product_id = cb.product_id"
            expr.update({c: f"p.{_q(c)}" for c in attrs})
            if "brands" in files:
                joins += f" LEFT JOIN read_parquet({_sql_str(files['brands'])}) b ON b.brand_id = p.brand_id"
                expr["brand_name"] = "b.brand_name"
        stop = f"COALESCE(s.sold_date, {end})"
        units_sold = "COALESCE(s.units_sold, 0)"
        expr.update({
            "sold_date": "s.sold_date", "units_sold": units_sold, "sold": "s.sold_date IS NOT NULL",
            # whole days (Timedelta.days), negative ones clipped to 0: the sign of the rounding does not matter
            "duration_days": f"greatest((epoch_ns({stop}) - epoch_ns(cb.clock_start)) // {_DAY_NS}, 0)",
            "units_on_hand": f"greatest(cb.units_acquired - {units_sold}, 0)",
        })
        select = ", ".join(f"CAST({expr.get(c, 'cb.' + _q(c))} AS {_duck_type(t)}) AS {_q(c)}"
                           for c, t in ref.dtypes.items())
        meta = pa.Schema.from_pandas(ref, preserve_index=False).metadata[b"pandas"].decode()
        con.execute(f"""COPY (
            WITH s AS (SELECT product_id, MIN(date) AS sold_date, SUM(quantity)::BIGINT AS units_sold
                       FROM read_parquet({_sql_str(lines)}) WHERE is_completed AND date <= {end}
                       GROUP BY product_id)
            SELECT {select} FROM _ll_cb cb LEFT JOIN s ON s.product_id = cb.product_id {joins}
            WHERE cb.clock_start <= {end} ORDER BY cb._first)
            TO {_sql_str(path)} (FORMAT parquet, KV_METADATA {{pandas: {_sql_str(meta)}}})""")
    except duckdb.IOException:
        return False  # a full or read-only disk: the caller builds the lifecycles in pandas
    finally:
        con.close()
    return True


def period_lifecycle_file(ds: Dataset, period_label: str, period_end: pd.Timestamp) -> Path | None:
    """A period's cached product lifecycles at ``period_end`` as a Parquet file, written by DuckDB from the cached
    inventory, products, brands and the period's sale lines file when it is not there yet
    (:func:`write_product_lifecycle`: never held in pandas; its time counts in lib.data.engine.sql_time); None
    for a dataset held in memory, one without inventory, or when DuckDB could not build them (the caller then
    builds them in pandas: :func:`product_lifecycle`)."""
    from lib.data.cache import derived_file, table_dtypes, table_file, write_derived
    from lib.data.engine import timed_sql  # the engine reads derived frames: imported when used

    path = derived_file(ds, period_label, "lifecycle")
    if path is None or table_file(ds, "inventory") is None:
        return None
    if path.exists():
        return path
    lines = period_lines_file(ds, period_label, pd.Timestamp(period_end).normalize() + pd.Timedelta(days=1))
    if lines is None:
        return None
    files = {t: str(f) for t in LIFECYCLE_TABLES if (f := table_file(ds, t)) is not None}
    dtypes = {t: table_dtypes(ds, t) for t in files}
    return timed_sql(lambda: write_derived(ds, period_label, "lifecycle",
                                           lambda tmp: write_product_lifecycle(files, dtypes, str(lines), period_end,
                                                                               str(tmp))))
