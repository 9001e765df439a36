"""The slip ledger the bench imports, written as a city's tax system would hand it over:
one sheet 納付書 with a header row and one row per slip, made with openpyxl's write-only
mode.

The rows are the same for every run and every size (a seeded generator, one row per
index), so the first 10,000 rows of the 100,000-row ledger are the 10,000-row ledger, and a
ledger written once can be reused: files are cached under the system's temporary directory,
named by size, form and ``VERSION``.
"""

import datetime as dt
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

VERSION = 1  # bump when the rows change, so cached files are not reused
CACHE = Path(tempfile.gettempdir()) / "bench-import-ledgers"
SHEET = "納付書"
HEADERS = [
    "納付番号",
    "サービスコード",
    "納付者番号",
    "金額",
    "納期限",
    "再発行回数",
    "確認番号",
    "eL-QR",
]

# (code, name, department code): slip services, each with a published convenience-store
# channel (see importbench.data).
DEPARTMENTS = [("310", "市民税課"), ("320", "資産税課"), ("330", "国保年金課")]
SERVICES = [
    ("31001", "個人市民税・県民税（普通徴収）", "310"),
    ("31002", "軽自動車税（種別割）", "310"),
    ("32001", "固定資産税・都市計画税", "320"),
    ("33001", "国民健康保険税", "330"),
]
AMOUNT_CEILING = 300_000  # the channels' ceiling: dearer slips get no barcode, with a note
# Instalment due dates; some fall on a weekend or the new-year holidays, so the barcode
# deadline moves to the next business day.
DUE_DATES = [
    dt.date(2025, 4, 30),
    dt.date(2025, 5, 31),  # Saturday
    dt.date(2025, 6, 30),
    dt.date(2025, 8, 31),  # Sunday
    dt.date(2025, 10, 31),
    dt.date(2025, 12, 25),
    dt.date(2026, 1, 4),  # Sunday, just after the closing days
    dt.date(2026, 2, 28),  # Saturday
]


@dataclass(frozen=True)
class Ledger:
    """A ledger file and what its rows add up to, to check what each import stored."""

    path: Path
    rows: int
    amount_total: int
    barcodes: int  # rows at or under the channels' amount ceiling
    written: bool  # written by this run (False: found in the cache)

    def stored(self, **changes):
        """What the slips table holds after a full import of this ledger (see
        importbench.data.stored), with ``changes``."""
        figures = {"rows": self.rows, "amount_total": self.amount_total, "barcodes": self.barcodes}
        return {**figures, **changes}


def era_date(day):
    """The date as staff type it in the Japanese era: 令和7年4月30日."""
    return f"令和{day.year - 2018}年{day.month}月{day.day}日"


def rows(count, *, plain=False):
    """Yield ``count`` ledger rows as sheet values.

    The realistic mix: slip numbers as 10-digit text (leading zeros); payer numbers as text,
    one in ten typed as a number; amounts as numbers, one in ten as text like ``¥12,300``;
    due dates as date cells, one in ten as text like ``令和7年4月30日``; 再発行回数 mostly 0,
    often left empty; 確認番号 on half the slips, eL-QR on a quarter.

    ``plain``: the same rows with every amount a number, every due date a date cell and
    every 再発行回数 filled in, for the tool that reads only plain values.
    """
    rng = random.Random(20250430)
    services = [code for code, _name, _department in SERVICES]
    for index in range(count):
        band = rng.random()
        if band < 0.70:
            amount = rng.randrange(1_000, 50_000, 100)
        elif band < 0.95:
            amount = rng.randrange(50_000, AMOUNT_CEILING + 1, 100)
        else:
            amount = rng.randrange(AMOUNT_CEILING + 100, 900_000, 100)
        due = rng.choice(DUE_DATES)
        payer = rng.randrange(1, 10**10)
        reissue = rng.choices([0, None, 1, 2], weights=[75, 20, 4, 1])[0]
        text_amount = rng.random() < 0.1
        text_date = rng.random() < 0.1
        number_payer = rng.random() < 0.1
        confirmation = f"{rng.randrange(10**6):06d}" if rng.random() < 0.5 else None
        el_qr = f"ELQR{rng.randrange(10**36):036d}" if rng.random() < 0.25 else None
        if plain:
            text_amount = text_date = False
            reissue = reissue or 0
        yield [
            f"{1_000_000 + 7 * index:010d}",
            services[index % len(services)],
            payer if number_payer else f"{payer:010d}",
            f"¥{amount:,}" if text_amount else amount,
            era_date(due) if text_date else due,
            reissue,
            confirmation,
            el_qr,
        ]


def totals(count):
    """``(amount total, rows with a barcode)`` of the first ``count`` rows."""
    total = barcodes = 0
    for row in rows(count, plain=True):
        total += row[3]
        barcodes += row[3] <= AMOUNT_CEILING
    return total, barcodes


def ledger(count, *, plain=False, log):
    """The ledger of ``count`` rows, written now or found in the cache."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"slips-{'plain-' if plain else ''}{count}-v{VERSION}.xlsx"
    written = not path.exists()
    if written:
        from openpyxl import Workbook

        log(f"writing {path} ({count:,} rows)…")
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(SHEET)
        sheet.append(HEADERS)
        for row in rows(count, plain=plain):
            sheet.append(row)
        partial = path.with_suffix(".partial")
        workbook.save(partial)
        partial.rename(path)  # a run stopped half-way leaves no half-written ledger
    amount_total, barcodes = totals(count)
    return Ledger(path, count, amount_total, barcodes, written)
