"""The data contract as data: tables, columns, types, defaults and rules (docs/data-contract.md, Tables at a glance)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "COLUMN_TYPES", "Column", "ForeignKey", "Compare", "Table", "TABLES", "CORE_TABLES",
    "OPTIONAL_TABLES", "MINIMAL_SALES_COLUMNS", "KNOWN_CONDITIONS", "MAX_MONEY", "MAX_QUANTITY", "table_spec",
]

#: the column types (docs/data-contract.md, Column types) and the pandas dtype each is loaded as
COLUMN_TYPES: dict[str, str] = {
    "id": "string",            # pandas StringDtype, missing = pd.NA; "00042" != "42"
    "text": "str",             # pandas 3 default string dtype, missing = NaN
    "money": "float64",
    "integer": "int64",
    "date": "datetime64[ns]",  # midnight
    "timestamp": "datetime64[ns]",  # naive, business-local time
}

#: the largest amount of money a cell may hold: below a billion per unit (docs/data-contract.md, Limits)
MAX_MONEY = 999_999_999.99
#: the largest quantity a line or lot may have (docs/data-contract.md, Limits)
MAX_QUANTITY = 1_000_000

#: resale grades (products.condition; docs/data-contract.md, products); others are allowed and reported
KNOWN_CONDITIONS: tuple[str, ...] = ("S", "A", "B")


@dataclass(frozen=True)
class ForeignKey:
    """The column's values must exist in ``table.column`` when that table is present."""

    table: str
    column: str


@dataclass(frozen=True)
class Column:
    """One contract column.

    Attributes
    ----------
    name, type : contract name and one of COLUMN_TYPES.
    required : a blank cell or a missing column is an error.
    default : value a blank (or absent) optional cell takes; None = left missing.
    unique : values must be unique within the table.
    min_value : numeric lower bound (``>= min_value``).
    max_value : numeric upper bound (``<= max_value``); every money and quantity column has one.
    allowed : the only values accepted (case-insensitive; other values are an error).
    known : values expected; others are accepted and reported (conditions).
    references : foreign key, checked only when the referenced table is present.
    required_with : the column is required only when this table is present
        (sales.product_id: the minimal input has no products).
    lowercase : values are normalised to lower case (channels), counted as repaired.
    return_negative : values from ``-max_value`` to -1 are allowed too: a return line
        (sales.quantity; docs/data-contract.md, Return lines); 0 stays an error.
    """

    name: str
    type: str
    required: bool = False
    default: object = None
    unique: bool = False
    min_value: float | None = None
    max_value: float | None = None
    allowed: tuple[str, ...] | None = None
    known: tuple[str, ...] | None = None
    references: ForeignKey | None = None
    required_with: str | None = None
    lowercase: bool = False
    return_negative: bool = False

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.name!r}: unknown type {self.type!r}")


@dataclass(frozen=True)
class Compare:
    """Row rule between two columns of one table: ``left op right`` where both are present."""

    left: str
    op: str  # ">" or ">="
    right: str

    def __post_init__(self) -> None:
        if self.op not in (">", ">="):
            raise ValueError(f"unknown comparison {self.op!r}")

    @property
    def rule(self) -> str:
        return f"must be {self.op} {self.right}"


@dataclass(frozen=True)
class Table:
    """One contract table: file ``<name>.csv``, its columns and row rules."""

    name: str
    columns: tuple[Column, ...]
    core: bool
    compares: tuple[Compare, ...] = ()

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")


_FK = ForeignKey

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("brands", (
        Column("brand_id", "id", required=True, unique=True),
        Column("brand_name", "text", required=True),
        Column("tier", "text"),
    ), core=True),
    Table("products", (
        Column("product_id", "id", required=True, unique=True),
        Column("brand_id", "id", required=True, references=_FK("brands", "brand_id")),
        Column("product_name", "text", required=True),
        Column("category", "text", required=True),
        Column("condition", "text", required=True, known=KNOWN_CONDITIONS),
        Column("sku", "text"),
        Column("list_price", "money", min_value=0, max_value=MAX_MONEY),
    ), core=True),
    Table("inventory", (
        Column("inventory_id", "id", required=True, unique=True),
        Column("product_id", "id", required=True, references=_FK("products", "product_id")),
        Column("date_acquired", "date", required=True),
        Column("unit_cost", "money", required=True, min_value=0, max_value=MAX_MONEY),
        Column("quantity", "integer", default=1, min_value=1, max_value=MAX_QUANTITY),
        Column("date_listed", "date"),
    ), core=True, compares=(Compare("date_listed", ">=", "date_acquired"),)),
    Table("sales", (
        Column("sale_id", "id", required=True, unique=True),
        Column("product_id", "id", required=True, references=_FK("products", "product_id"),
               required_with="products"),
        Column("buyer_id", "id", required=True, references=_FK("users", "user_id")),
        Column("date_sold", "timestamp", required=True),
        Column("sale_price", "money", required=True, min_value=0, max_value=MAX_MONEY),
        Column("quantity", "integer", default=1, min_value=1, max_value=MAX_QUANTITY, return_negative=True),
        Column("channel", "text", default="unknown", lowercase=True),
        Column("seller_id", "id", references=_FK("users", "user_id")),
        Column("show_id", "id", references=_FK("shows", "show_id")),
        Column("fees", "money", default=0.0, min_value=0, max_value=MAX_MONEY),
        Column("shipping_cost", "money", default=0.0, min_value=0, max_value=MAX_MONEY),
        Column("status", "text", default="completed", allowed=("completed", "refunded", "cancelled")),
        Column("order_id", "id"),
        Column("original_sale_id", "id"),
    ), core=True),
    Table("users", (
        Column("user_id", "id", required=True, unique=True),
        Column("signup_date", "date", required=True),
        Column("display_name", "text"),
        Column("email", "text"),
        Column("acquisition_channel", "text", lowercase=True),
        Column("role", "text", default="buyer", allowed=("buyer", "seller", "admin")),
    ), core=True),
    Table("shows", (
        Column("show_id", "id", required=True, unique=True),
        Column("channel", "text", required=True, lowercase=True),
        Column("start_time", "timestamp", required=True),
        Column("end_time", "timestamp", required=True),
        Column("host_id", "id", references=_FK("users", "user_id")),
    ), core=False, compares=(Compare("end_time", ">", "start_time"),)),
    Table("campaigns", (
        Column("campaign_id", "id", required=True, unique=True),
        Column("campaign_name", "text", required=True),
        Column("channel", "text", required=True, lowercase=True),
        Column("start_date", "date", required=True),
        Column("end_date", "date", required=True),
        Column("spend", "money", required=True, min_value=0, max_value=MAX_MONEY),
    ), core=False, compares=(Compare("end_date", ">=", "start_date"),)),
    Table("touchpoints", (
        Column("user_id", "id", required=True, references=_FK("users", "user_id")),
        Column("timestamp", "timestamp", required=True),
        Column("channel", "text", required=True, lowercase=True),
        Column("campaign_id", "id", references=_FK("campaigns", "campaign_id")),
        Column("touch_type", "text", default="click", allowed=("impression", "click", "open", "visit")),
    ), core=False),
)}

#: tables required for the full suite, and the optional ones (docs/data-contract.md, Tables at a glance)
CORE_TABLES: tuple[str, ...] = tuple(n for n, t in TABLES.items() if t.core)
OPTIONAL_TABLES: tuple[str, ...] = tuple(n for n, t in TABLES.items() if not t.core)
#: the minimal runnable input (docs/data-contract.md, Partial data)
MINIMAL_SALES_COLUMNS: tuple[str, ...] = ("sale_id", "buyer_id", "date_sold", "sale_price")


def table_spec(name: str) -> Table:
    """The contract table called ``name``; ValueError naming the known tables otherwise."""
    if name not in TABLES:
        raise ValueError(f"unknown table {name!r}; contract tables are {', '.join(TABLES)}")
    return TABLES[name]
