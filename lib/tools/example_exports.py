"""Deterministic made-up platform exports for data/examples/multichannel and data/examples/webshop (issue 18).

No real shop, person or order: names are invented, e-mails use ``example.com``. The files are written
in the platforms' own layouts (lib/data/presets/*.yaml name where each layout comes from), so the
examples are read by ``mapping.yaml`` alone. Command line::

    python -m lib.tools.example_exports [--out data/examples]

writes ``multichannel/`` (Whatnot monthly files, a Poshmark sales report, a Shopify orders export,
2026-07 to 2026-10) and ``webshop/online_retail.csv`` (an invoice-line export in the UCI "Online
Retail" layout, 2025-11 to 2026-10). The same seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

__all__ = ["write_multichannel", "write_webshop", "main", "SHOPIFY_HEADER", "WHATNOT_HEADER", "POSHMARK_HEADER",
           "WEBSHOP_HEADER"]

SHOPIFY_HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,"
    "Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,"
    "Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,"
    "Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,"
    "Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,"
    "Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,"
    "Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,"
    "Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,"
    "Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,"
    "Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,"
    "Payment ID,Payment Terms Name,Next Payment Due At,Payment References").split(",")
WHATNOT_HEADER = ("order id,order numeric id,buyer,seller,product name,product description,product category,"
                  "processed date,order status,order style,order currency,sold price,quantity,subtotal,"
                  "shipping price,taxes,coupon price,commission,payment processing fee,seller paid shipping,"
                  "show id,show name").split(",")
POSHMARK_HEADER = ["Order Date", "Order Id", "Listing Date", "Listing Title", "Department", "Category",
                   "Subcategory", "Brand", "Color", "Size", "Offer Order", "Bundle Order", "Order Price",
                   "Seller Discount", "Upgraded Shipping Label Fee", "Net Earnings", "Sales Tax (Paid by Buyer)",
                   "Buyer Username", "Buyer State", "Buyer City"]
WEBSHOP_HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID",
                  "Country"]

BRANDS = ("Chanel", "Louis Vuitton", "Hermès", "Gucci", "Prada", "Dior", "Celine", "Saint Laurent",
          "Bottega Veneta", "Cartier")
COLOURS = ("Black", "Beige", "Brown", "Navy", "Red", "White", "Pink")
#: item type: (name ending, Whatnot category, Poshmark category, Poshmark subcategory, price range)
TYPES = {"Crossbody Bag": ("Designer Bags", "Bags", "Crossbody Bags", (600, 4200)),
         "Shoulder Bag": ("Designer Bags", "Bags", "Shoulder Bags", (700, 5200)),
         "Zippy Wallet": ("Accessories", "Bags", "Wallets", (250, 900)),
         "Pendant Necklace": ("Jewelry", "Jewelry", "Necklaces", (300, 2600)),
         "Ring": ("Jewelry", "Jewelry", "Rings", (250, 3400)),
         "Silk Scarf": ("Accessories", "Accessories", "Scarves & Wraps", (120, 520)),
         "Loafers": ("Sneakers & Shoes", "Shoes", "Flats & Loafers", (300, 900))}
GRADES = ("New / Unused", "Excellent", "Good")
FIRST = ("Ava", "Mia", "Zoe", "Lena", "Nora", "Iris", "Jade", "Emma", "Hana", "Lily", "Rosa", "Tess", "Maya", "Elif",
         "Noor", "Ines", "Kira", "Lucia", "Sara", "Vera")
LAST = ("Novak", "Okafor", "Silva", "Haddad", "Khan", "Moreau", "Rossi", "Lindqvist", "Tanaka", "Costa", "Brennan",
        "Petrov", "Adeyemi", "Varga", "Duarte")
HANDLE_A = ("lux", "bag", "label", "pre", "closet", "vintage", "chic", "posh")
HANDLE_B = ("lover", "finds", "hunter", "queen", "fan", "muse", "edit")


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header, restval="", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _usd(x: float) -> str:
    return f"${x:,.2f}"


def _item(rng: np.random.Generator) -> tuple[str, str, str, str, float]:
    """(brand, colour, type, grade, price) of one one-off piece."""
    brand = BRANDS[rng.integers(len(BRANDS))]
    typ = list(TYPES)[rng.integers(len(TYPES))]
    lo, hi = TYPES[typ][3]
    grade = GRADES[rng.choice(3, p=[0.2, 0.5, 0.3])]
    price = float(round(rng.uniform(lo, hi) * {"New / Unused": 1.15, "Excellent": 1.0, "Good": 0.8}[grade]))
    return brand, COLOURS[rng.integers(len(COLOURS))], typ, grade, price


def _handles(rng: np.random.Generator, n: int) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        h = f"{HANDLE_A[rng.integers(len(HANDLE_A))]}{HANDLE_B[rng.integers(len(HANDLE_B))]}{rng.integers(10, 999)}"
        if h not in out:
            out.append(h)
    return out


def _whatnot(rng: np.random.Generator, start: datetime, months: list[str]) -> dict[str, list[dict]]:
    """Whatnot: three evening shows a week (Sun, Tue, Thu 8 pm), a few buy-it-now sales between them."""
    buyers = _handles(rng, 70)
    weight = rng.gamma(0.8, 1.0, len(buyers))
    weight /= weight.sum()
    files: dict[str, list[dict]] = {m: [] for m in months}
    order, numeric, show_no = 740001, 91000001, 0
    day = start
    while day.strftime("%Y-%m") in files:
        live = day.weekday() in (6, 1, 3)
        n = int(rng.integers(2, 6)) if live else int(rng.random() < 0.3)
        if live:
            show_no += 1
            show_id = f"wn-show-{show_no:03d}"
            show_name = f"Luxury Bag Drop #{show_no} {day.strftime('%A')} Night"
        t = day.replace(hour=20 if live else int(rng.integers(10, 22)), minute=int(rng.integers(0, 10)))
        for _ in range(n):
            brand, colour, typ, grade, price = _item(rng)
            status = rng.choice(["Completed", "Cancelled", "Refunded"], p=[0.9, 0.05, 0.05])
            buyer = buyers[rng.choice(len(buyers), p=weight)]
            ship = 0.0 if price >= 500 else 14.99
            files[day.strftime("%Y-%m")].append({
                "order id": str(order), "order numeric id": str(numeric), "buyer": buyer, "seller": "maisonmirela",
                "product name": f"{brand} {colour} {typ} ({grade})",
                "product description": f"Authentic pre-owned {brand}. Condition: {grade}.",
                "product category": TYPES[typ][0], "processed date": t.strftime("%m/%d/%Y %I:%M:%S %p"),
                "order status": status, "order style": "auction" if live else "buy_it_now", "order currency": "USD",
                "sold price": _usd(price), "quantity": "1", "subtotal": _usd(price), "shipping price": _usd(ship),
                "taxes": _usd(round(price * 0.07, 2)), "coupon price": "$0.00",
                "commission": f"{-round(price * 0.08, 2):.2f}", "payment processing fee":
                f"{-round(price * 0.029 + 0.30, 2):.2f}", "seller paid shipping": "-14.99" if ship == 0 else "0.00",
                "show id": show_id if live else "", "show name": show_name if live else ""})
            order += 13
            numeric += 1
            t += timedelta(minutes=int(rng.integers(3, 12)), seconds=int(rng.integers(0, 60)))
        day += timedelta(days=1)
    return files


def _poshmark(rng: np.random.Generator, start: datetime, end: datetime) -> list[dict]:
    """Poshmark: about six orders a week, one in six a bundle of two or three listings."""
    buyers = _handles(rng, 45)
    states = [("NY", "Brooklyn"), ("CA", "Oakland"), ("TX", "Austin"), ("FL", "Miami"), ("IL", "Chicago")]
    rows, order_no = [], 0
    day = start
    while day <= end:
        for _ in range(int(rng.poisson(0.85))):
            order_no += 1
            oid = f"6a{order_no:05d}f3e"
            buyer = buyers[rng.integers(len(buyers))]
            st, city = states[rng.integers(len(states))]
            lines = int(rng.choice([1, 2, 3], p=[0.84, 0.12, 0.04]))
            for _ in range(lines):
                brand, colour, typ, grade, price = _item(rng)
                price = float(round(price * 0.9))
                listed = day - timedelta(days=int(rng.integers(3, 120)))
                fee = 2.95 if price < 15 else round(price * 0.2, 2)
                rows.append({"Order Date": day.strftime("%m/%d/%Y"), "Order Id": oid,
                             "Listing Date": listed.strftime("%m/%d/%Y"),
                             "Listing Title": f"{brand} {colour} {typ} - {grade}", "Department": "Women",
                             "Category": TYPES[typ][1], "Subcategory": TYPES[typ][2], "Brand": brand,
                             "Color": colour, "Size": "OS", "Offer Order": "Yes" if rng.random() < 0.4 else "No",
                             "Bundle Order": "Yes" if lines > 1 else "No", "Order Price": f"{price:.2f}",
                             "Seller Discount": "0.00", "Upgraded Shipping Label Fee": "0.00",
                             "Net Earnings": f"{price - fee:.2f}", "Sales Tax (Paid by Buyer)":
                             f"{round(price * 0.08, 2):.2f}", "Buyer Username": buyer, "Buyer State": st,
                             "Buyer City": city})
        day += timedelta(days=1)
    return rows


def _shopify(rng: np.random.Generator, start: datetime, end: datetime) -> list[dict]:
    """Shopify website: about a hundred orders, one in four with two or three lines, a few refunded or
    voided (single-line), a few point-of-sale orders without an e-mail (guests); repeat buyers by e-mail."""
    people = [(f, ln) for f in FIRST for ln in LAST]
    idx = rng.choice(len(people), 60, replace=False)
    customers = [(f"{people[i][0]} {people[i][1]}", f"{people[i][0].lower()}.{people[i][1].lower()}{k:03d}@example.com")
                 for k, i in enumerate(idx)]
    weight = rng.gamma(0.7, 1.0, len(customers))
    weight /= weight.sum()
    rows, name, sku = [], 2001, 100
    day = start
    while day <= end:
        # at least one order on the last day: the data then ends on a month's last day (its default period)
        for _ in range(max(int(rng.poisson(0.8)), int(day == end))):
            guest = rng.random() < 0.08 or day == end  # the last day: a point-of-sale order
            cname, email = ("", "") if guest else customers[rng.choice(len(customers), p=weight)]
            lines = 1 if guest else int(rng.choice([1, 2, 3], p=[0.75, 0.2, 0.05]))
            status = "paid" if lines > 1 else str(rng.choice(["paid", "refunded", "voided"], p=[0.9, 0.06, 0.04]))
            t = day.replace(hour=int(rng.integers(8, 23)), minute=int(rng.integers(0, 60)),
                            second=int(rng.integers(0, 60)))
            offset = "-0400" if t < datetime(2026, 11, 1, 2) else "-0500"
            items = [_item(rng) for _ in range(lines)]
            subtotal = sum(p for *_, p in items)
            tax = round(subtotal * 0.08875, 2)
            for li, (brand, colour, typ, grade, price) in enumerate(items):
                sku += 1
                first = li == 0
                row = {"Name": f"#{name}", "Email": email, "Created at": f"{t:%Y-%m-%d %H:%M:%S} {offset}",
                       "Lineitem quantity": "1", "Lineitem name": f"{brand} {colour} {typ} - {grade}",
                       "Lineitem price": f"{price:.2f}", "Lineitem sku": f"MM-{sku:05d}",
                       "Lineitem requires shipping": "true", "Lineitem taxable": "true",
                       "Lineitem fulfillment status": "fulfilled", "Vendor": brand, "Lineitem discount": "0.00"}
                if first:
                    row.update({"Financial Status": status, "Paid at": f"{t:%Y-%m-%d %H:%M:%S} {offset}",
                                "Fulfillment Status": "fulfilled", "Accepts Marketing": "no", "Currency": "USD",
                                "Subtotal": f"{subtotal:.2f}", "Shipping": "0.00", "Taxes": f"{tax:.2f}",
                                "Total": f"{subtotal + tax:.2f}", "Discount Amount": "0.00",
                                "Shipping Method": "" if guest else "Insured Express", "Billing Name": cname,
                                "Billing Country": "US", "Shipping Name": cname, "Shipping Country": "US",
                                "Payment Method": "Shopify Payments", "Refunded Amount":
                                f"{subtotal + tax:.2f}" if status == "refunded" else "0.00",
                                "Outstanding Balance": "0.00", "Id": str(5550010000 + name), "Risk Level": "Low",
                                "Source": "pos" if guest else "web", "Tax 1 Name": "NY State Tax 8.875%",
                                "Tax 1 Value": f"{tax:.2f}"})
                rows.append(row)
            name += 1
        day += timedelta(days=1)
    return rows


def write_multichannel(out: Path, seed: int = 18) -> dict[str, int]:
    """The multichannel example: one shop on Whatnot, Poshmark and its Shopify website, 2026-07 to 2026-10;
    returns the number of lines written per platform."""
    rng = np.random.default_rng(seed)
    start, end = datetime(2026, 7, 1), datetime(2026, 10, 31)
    months = ["2026-07", "2026-08", "2026-09", "2026-10"]
    wn = _whatnot(rng, start, months)
    for m, rows in wn.items():
        _write(out / f"whatnot_sales_{m}.csv", WHATNOT_HEADER, rows)
    pm = _poshmark(rng, start, end)
    _write(out / "poshmark_sales_2026-07_2026-10.csv", POSHMARK_HEADER, pm)
    sh = _shopify(rng, start, end)
    _write(out / "orders_export_1.csv", SHOPIFY_HEADER, sh)
    return {"whatnot": sum(len(r) for r in wn.values()), "poshmark": len(pm), "shopify": len(sh)}


#: the webshop's catalogue: stock code, description(s) (the first the usual one), unit price
CATALOGUE = [
    ("85123A", ("WHITE HANGING HEART T-LIGHT HOLDER", "CREAM HANGING HEART T-LIGHT HOLDER"), 2.55),
    ("71053", ("WHITE METAL LANTERN",), 3.39), ("84406B", ("CREAM CUPID HEARTS COAT HANGER",), 2.75),
    ("84029G", ("KNITTED UNION FLAG HOT WATER BOTTLE",), 3.39), ("84029E", ("RED WOOLLY HOTTIE WHITE HEART.",), 3.39),
    ("22752", ("SET 7 BABUSHKA NESTING BOXES",), 7.65), ("21730", ("GLASS STAR FROSTED T-LIGHT HOLDER",), 4.25),
    ("22633", ("HAND WARMER UNION JACK",), 1.85), ("22632", ("HAND WARMER RED POLKA DOT",), 1.85),
    ("84879", ("ASSORTED COLOUR BIRD ORNAMENT",), 1.69), ("22745", ("POPPY'S PLAYHOUSE BEDROOM",), 2.10),
    ("22748", ("POPPY'S PLAYHOUSE KITCHEN",), 2.10), ("22310", ("IVORY KNITTED MUG COSY",), 1.65),
    ("84969", ("BOX OF 6 ASSORTED COLOUR TEASPOONS",), 4.25), ("22623", ("BOX OF VINTAGE JIGSAW BLOCKS",), 4.95),
    ("22622", ("BOX OF VINTAGE ALPHABET BLOCKS",), 9.95), ("21754", ("HOME BUILDING BLOCK WORD",), 5.95),
    ("21755", ("LOVE BUILDING BLOCK WORD",), 5.95), ("21777", ("RECIPE BOX WITH METAL HEART",), 7.95),
    ("48187", ("DOORMAT NEW ENGLAND",), 7.95), ("22960", ("JAM MAKING SET WITH JARS",), 4.25),
    ("22913", ("RED COAT RACK PARIS FASHION",), 4.95), ("22912", ("YELLOW COAT RACK PARIS FASHION",), 4.95),
    ("22914", ("BLUE COAT RACK PARIS FASHION",), 4.95), ("21756", ("BATH BUILDING BLOCK WORD",), 5.95),
    ("22728", ("ALARM CLOCK BAKELIKE PINK",), 3.75), ("22727", ("ALARM CLOCK BAKELIKE RED",), 3.75),
    ("22726", ("ALARM CLOCK BAKELIKE GREEN",), 3.75), ("21724", ("PANDA AND BUNNIES STICKER SHEET",), 0.85),
    ("21883", ("STARS GIFT TAPE",), 0.65), ("10002", ("INFLATABLE POLITICAL GLOBE",), 0.85),
    ("21791", ("VINTAGE HEADS AND TAILS CARD GAME",), 1.25), ("23084", ("RABBIT NIGHT LIGHT",), 2.08),
    ("47566", ("PARTY BUNTING",), 4.95), ("20725", ("LUNCH BAG RED RETROSPOT",), 1.65),
    ("85099B", ("JUMBO BAG RED RETROSPOT", "JUMBO BAG RED RETROSPOT.", "JUMBO BAG RED WHITE SPOTTY"), 2.08),
]
COUNTRIES = ["United Kingdom"] * 17 + ["EIRE", "France", "Germany"]


def write_webshop(out: Path, seed: int = 20, invoices: int = 420) -> dict[str, int]:
    """The webshop example: an invoice-line export like the UCI "Online Retail" file, 2025-11 to 2026-10.

    Traits: invoices of 1-12 lines sharing an InvoiceNo; cancellations as separate ``C``-prefixed invoices
    with negative quantities, of the same customer, product and price a few hours later (same month);
    zero-price stock adjustments without a customer; two ``A``-prefixed bad-debt adjustments; a quarter of
    the invoices without a CustomerID (guest checkouts); CustomerID written as a float (``17850.0``);
    two stock codes with several descriptions. Returns counts of each kind of line.
    """
    rng = np.random.default_rng(seed)
    start = datetime(2025, 11, 1, 8, 0)
    span_min = int((datetime(2026, 10, 31, 18, 0) - start).total_seconds() // 60)
    times = sorted(start + timedelta(minutes=int(m)) for m in rng.integers(0, span_min, invoices))
    times = [t.replace(hour=min(max(t.hour, 8), 19)) for t in times[:-1]] + [datetime(2026, 10, 31, 16, 5)]
    customers = [str(12346 + int(k) * 37) for k in rng.choice(150, 110, replace=False)]
    weight = rng.gamma(0.6, 1.0, len(customers))
    weight /= weight.sum()
    home = {c: COUNTRIES[rng.integers(len(COUNTRIES))] for c in customers}
    pop = rng.gamma(0.9, 1.0, len(CATALOGUE))
    pop /= pop.sum()
    rows: list[dict] = []
    counts = {"sale": 0, "cancel": 0, "adjustment": 0, "bad_debt": 0, "guest": 0}
    inv = 536365
    cancels: list[tuple[datetime, list[dict]]] = []
    for t in times:
        guest = rng.random() < 0.25
        cust = "" if guest else customers[rng.choice(len(customers), p=weight)]
        country = "United Kingdom" if guest else home[cust]
        n = int(rng.integers(1, 13))
        codes = rng.choice(len(CATALOGUE), size=min(n, len(CATALOGUE)), replace=False, p=pop)
        lines = []
        for ci in codes:
            code, descs, price = CATALOGUE[ci]
            desc = descs[0] if len(descs) == 1 or rng.random() < 0.7 else descs[1 + rng.integers(len(descs) - 1)]
            qty = int(rng.choice([1, 2, 3, 4, 6, 8, 12, 24], p=[0.2, 0.15, 0.1, 0.1, 0.15, 0.1, 0.15, 0.05]))
            row = {"InvoiceNo": str(inv), "StockCode": code, "Description": desc, "Quantity": str(qty),
                   "InvoiceDate": f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}", "UnitPrice": f"{price:g}",
                   "CustomerID": f"{cust}.0" if cust else "", "Country": country}
            lines.append(row)
            counts["guest" if guest else "sale"] += 1
        rows += lines
        inv += 1
        # about one named invoice in eight is partly or wholly cancelled a few hours later, the same month
        if not guest and rng.random() < 0.125:
            later = t + timedelta(hours=int(rng.integers(1, 30)))
            if later.month == t.month and later.hour < 20:
                k = len(lines) if rng.random() < 0.3 else int(rng.integers(1, len(lines) + 1))
                cancels.append((later, [dict(x) for x in lines[:k]]))
    cancel_rows: list[tuple[datetime, dict]] = []
    for later, lines in cancels:
        no = f"C{inv}"
        inv += 1
        for x in lines:
            x.update({"InvoiceNo": no, "Quantity": str(-int(x["Quantity"])),
                      "InvoiceDate": f"{later.month}/{later.day}/{later.year} {later.hour}:{later.minute:02d}"})
            cancel_rows.append((later, x))
            counts["cancel"] += 1
    # zero-price stock adjustments without a customer ("damaged", "found", ...)
    adj_rows: list[tuple[datetime, dict]] = []
    for t in rng.choice(times, 25, replace=False):
        code, _, _ = CATALOGUE[rng.integers(len(CATALOGUE))]
        adj_rows.append((t, {"InvoiceNo": str(inv), "StockCode": code,
                             "Description": ["damaged", "found", "?", "check", "wet/rusty"][rng.integers(5)],
                             "Quantity": str(int(rng.choice([-12, -6, -3, 3, 24]))),
                             "InvoiceDate": f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}", "UnitPrice": "0",
                             "CustomerID": "", "Country": "United Kingdom"}))
        inv += 1
        counts["adjustment"] += 1
    for t, amount in ((datetime(2026, 3, 12, 14, 51), "211.62"), (datetime(2026, 8, 12, 14, 52), "96.35")):
        adj_rows.append((t, {"InvoiceNo": f"A{inv}", "StockCode": "B", "Description": "Adjust bad debt",
                             "Quantity": "1", "InvoiceDate": f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}",
                             "UnitPrice": amount, "CustomerID": "", "Country": "United Kingdom"}))
        inv += 1
        counts["bad_debt"] += 1

    def when(r: dict) -> datetime:
        return datetime.strptime(r["InvoiceDate"], "%m/%d/%Y %H:%M")

    extra = sorted(cancel_rows + adj_rows, key=lambda x: x[0])
    merged, j = [], 0
    for r in rows:  # the export is in time order; an invoice's lines stay together
        while j < len(extra) and extra[j][0] < when(r):
            merged.append(extra[j][1])
            j += 1
        merged.append(r)
    merged += [x for _, x in extra[j:]]
    _write(out / "online_retail.csv", WEBSHOP_HEADER, merged)
    return counts


def main(argv: list[str] | None = None) -> int:
    """Write both examples under ``--out`` (default data/examples)."""
    from lib.config import DATA_DIR

    ap = argparse.ArgumentParser(prog="python -m lib.tools.example_exports", description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(DATA_DIR / "examples"))
    a = ap.parse_args(argv)
    out = Path(a.out)
    print("multichannel:", write_multichannel(out / "multichannel"))
    print("webshop:", write_webshop(out / "webshop"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
