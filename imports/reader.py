"""Open an uploaded Excel ledger safely, find its header row and hand out its rows.

The clerks upload ``.xlsx`` workbooks made by hand, by other systems and by templates.
Before any of it reaches calamine (which parses but never evaluates formulas) the file is
checked with the standard library only, from the ZIP central directory and a bounded
streaming scan: empty or oversized files, old ``.xls`` and password-protected workbooks
(both OLE2 containers), things that are not workbooks, broken or encrypted ZIPs, zip bombs
(including members that inflate past their declared size), XML carrying a DTD or entity
declarations, and sheets whose values span a grid too big to hold (calamine allocates every
cell between the first and the last value, so two stray values can exhaust memory). Any of
these raises :class:`RefusedFile` with a message the clerk can act on; nothing is imported
from a refused file.

Then the header row is looked for in the first rows of each sheet, tolerant of the ways
people write headers (units in brackets, spaces, full-width characters, required marks),
and :class:`LedgerSheet` yields the data rows lazily with their true Excel row numbers.
This module touches no database and no models.
"""

import copy
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

MiB = 1024 * 1024
HEADER_SEARCH_ROWS = 20
MAX_MEMBERS = 10_000
_CHUNK = 64 * 1024
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_SCANNED_SUFFIXES = (".xml", ".rels", ".vml")
_FORBIDDEN = tuple(  # lower-cased; UTF-16 too, which XML parts may legally use
    word.encode(codec)
    for word in ("<!doctype", "<!entity")
    for codec in ("utf-8", "utf-16-le", "utf-16-be")
)
_OVERLAP = max(len(word) for word in _FORBIDDEN)
# What a damaged (or hostile) ZIP or XML part raises while it is checked.
_DAMAGED = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    NotImplementedError,
    ValueError,
    expat.ExpatError,
)


class RefusedFile(Exception):
    """The whole file is refused; nothing was imported. ``.message``: for the clerk."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    """How big an upload may be; ``from_settings`` reads ``settings.IMPORT_LIMITS``.

    ``max_cells`` bounds rows × columns between a sheet's first and last value, which
    calamine holds in memory at about 30 bytes a cell (20 million: about 600 MB).
    """

    max_bytes: int = 50 * MiB
    max_uncompressed_bytes: int = 512 * MiB
    max_ratio: int = 150
    max_rows: int = 500_000
    max_cells: int = 20_000_000  # rows × columns a sheet spans: calamine allocates them all

    @classmethod
    def from_settings(cls):
        from django.conf import settings

        return cls(**getattr(settings, "IMPORT_LIMITS", {}))  # a misspelt key fails loudly


@dataclass(frozen=True)
class ColumnSpec:
    """A column the caller expects, found by its header or one of its aliases."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = True


_WHITESPACE = re.compile(r"[\s\u200b\ufeff]+")
_TRAILING_UNIT = re.compile(r"(?:[(\[【〔<][^()\[\]【】〔〕<>]*[)\]】〕>]|\*)$")
_ASCII_UPPER = re.compile(r"[A-Z]+")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def normalise_header(text) -> str:
    """The form headers are compared in: "金額（円）", "金 額 (円)*" and "※金額" → "金額"."""
    if text is None or text == "":
        return ""
    text = unicodedata.normalize("NFKC", str(text))  # full-width → ASCII, U+3000 → space
    text = _WHITESPACE.sub("", text).replace("※", "")
    while True:
        stripped = _TRAILING_UNIT.sub("", text)
        if stripped == text or not stripped:
            break
        text = stripped
    return _ASCII_UPPER.sub(lambda match: match.group().lower(), text)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not _WHITESPACE.sub("", value))


@dataclass
class LedgerSheet:
    """The chosen sheet: where its header is, which columns were found, and its rows.

    ``columns`` holds 0-based Excel column indexes (0 is column A), whatever the sheet's
    used range; ``header_row`` and the row numbers from :meth:`rows` are Excel's 1-based.
    """

    name: str
    header_row: int
    columns: dict[str, int]
    headers: dict[str, str]
    data_rows: int
    _sheet: object = field(default=None, repr=False, compare=False)  # calamine's sheet
    _first_column: int = field(default=0, repr=False, compare=False)

    def rows(self) -> Iterator[tuple[int, dict[str, object]]]:
        """Yield ``(excel_row, {key: raw value})`` below the header, skipping blank rows."""
        positions = [(key, index - self._first_column) for key, index in self.columns.items()]
        for excel_row, cells in _iter_sheet(self._sheet):
            if excel_row <= self.header_row:
                continue
            values = {key: cells[pos] if pos < len(cells) else "" for key, pos in positions}
            if not all(_is_blank(value) for value in values.values()):
                yield excel_row, values


def _iter_sheet(sheet):
    # calamine 0.9 pads iter_rows() with the empty rows above the used range, so the first
    # row is always Excel row 1; columns, though, start at the used range (sheet.start[1]).
    # tests/imports/test_reader.py pins both facts.
    return enumerate(sheet.iter_rows(), start=1)


def open_ledger(path, columns: list[ColumnSpec], *, limits: Limits | None = None) -> LedgerSheet:
    """Check the file at ``path``, find the sheet and header row holding ``columns``."""
    limits = limits or Limits.from_settings()
    _check_container(os.fspath(path), limits)
    try:
        with CalamineWorkbook.from_path(path) as workbook:
            metadata = [m for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
            visible = [m.name for m in metadata if m.visible == SheetVisibleEnum.Visible]
            names = visible + [m.name for m in metadata if m.name not in visible]
            # Sheets are parsed one at a time, only until the header is found.
            sheets = ((name, workbook.get_sheet_by_name(name)) for name in names)
            ledger = _find_header(sheets, names, columns)
    except RefusedFile:
        raise
    except Exception as error:  # calamine's errors carry nothing a clerk can use
        raise RefusedFile(
            _(
                "The workbook could not be read: it is damaged or in a form that cannot be "
                "read. Open it in Excel, save it again as an Excel workbook (.xlsx) and upload "
                "it again."
            )
        ) from error
    _count_rows(ledger, limits)
    return ledger


def check_size(size, limits):
    """Refuse an empty file or one over the upload limit (also before it is stored)."""
    if size == 0:
        raise RefusedFile(_("The file is empty. Choose the Excel workbook and upload it again."))
    if size > limits.max_bytes:
        raise RefusedFile(
            _("The file is %(size)s; files up to %(limit)s can be imported.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limits.max_bytes)}
        )


def _check_container(path, limits):
    check_size(os.path.getsize(path), limits)
    with open(path, "rb") as handle:
        signature = handle.read(8)
        if signature == _OLE2_SIGNATURE:
            if _contains(handle, _ENCRYPTED_PACKAGE):
                raise RefusedFile(
                    _(
                        "The workbook is protected by a password. Open it in Excel, remove "
                        "the password, save it again and upload it again."
                    )
                )
            raise RefusedFile(
                _(
                    "This is an old Excel workbook (.xls). Open it in Excel, save it as "
                    "“Excel Workbook (*.xlsx)” and upload that file."
                )
            )
    not_xlsx = RefusedFile(
        _(
            "The file is not an Excel workbook (.xlsx). CSV, text and other formats cannot "
            "be imported; save it from Excel as “Excel Workbook (*.xlsx)”."
        )
    )
    if not signature.startswith(b"PK"):
        raise not_xlsx
    broken = RefusedFile(
        _("The file is damaged or incomplete. Open it in Excel, save it again and upload it again.")
    )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if "xl/workbook.xml" not in {member.filename for member in members}:
                raise not_xlsx
            _check_members(members, limits)
            for member in members:
                if member.filename.lower().endswith(_SCANNED_SUFFIXES):
                    _scan_member(archive, member, limits)
    except _DAMAGED as error:
        raise broken from error


def _contains(handle, needle):
    tail = b""
    while chunk := handle.read(_CHUNK):
        if needle in tail + chunk:
            return True
        tail = chunk[-len(needle) :]
    return False


def _too_large():
    return RefusedFile(
        _(
            "The file unpacks to far more data than a ledger holds, so it was refused for "
            "safety. Save it again from Excel, without images or other attachments."
        )
    )


def _check_members(members, limits):
    """Zip bomb and encryption checks, from the central directory alone."""
    if len(members) > MAX_MEMBERS:
        raise _too_large()
    if sum(member.file_size for member in members) > limits.max_uncompressed_bytes:
        raise _too_large()
    for member in members:
        if member.flag_bits & 0x1:
            raise RefusedFile(
                _(
                    "Parts of the file are encrypted. Remove the password in Excel, save it "
                    "again and upload it again."
                )
            )
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise NotImplementedError(member.compress_type)  # Excel never writes others
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > MiB and ratio > limits.max_ratio:
            raise _too_large()


def _scan_member(archive, member, limits):
    """Refuse DTDs, parts inflating past their declared size and sheets spanning too much."""
    probe = copy.copy(member)
    probe.file_size += 1  # zipfile stops at file_size: ask one byte more to catch a lie
    extent = _extent_check(limits.max_cells) if member.filename.lower().endswith(".xml") else None
    total, tail = 0, b""
    with archive.open(probe) as stream:
        while chunk := stream.read(_CHUNK):
            total += len(chunk)
            if total > member.file_size:
                raise _too_large()
            window = (tail + chunk).lower()
            if any(word in window for word in _FORBIDDEN):
                raise RefusedFile(
                    _(
                        "The file contains XML declarations (a DTD) that Excel never writes, "
                        "so it was refused for safety. Save it again from Excel."
                    )
                )
            tail = chunk[-_OVERLAP:]
            if extent:
                extent.Parse(chunk, False)
    if extent:
        extent.Parse(b"", True)


def _extent_check(max_cells):
    """An expat parser that follows where calamine will put each cell of an XML part.

    calamine keeps a sheet as one dense grid from its first to its last value, so a tiny file
    with values in A1 and XFD1048576 would ask for 17 billion cells and kill the process.
    Placement mirrors calamine's reader: a cell without ``r`` goes right of the previous one
    in its row; a row without ``r`` follows the previous row. A cell counts once it has a
    child (a value, formula or inline string), as calamine leaves out empty ones. Written
    as a closure over plain variables because it runs for every element of the sheet.
    """
    row = col = cell_row = -1
    pending, bounds, columns = False, [], {}

    def start(name, attrs):
        nonlocal row, col, cell_row, pending
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            ref = attrs.get("r")
            if ref is None:
                col, cell_row = col + 1, row
            else:
                ref = ref.upper()
                digits = ref.lstrip(_LETTERS)
                letters = ref[: len(ref) - len(digits)]
                if letters not in columns:
                    columns[letters] = sum(
                        26**i * (ord(c) - 64) for i, c in enumerate(letters[::-1])
                    )
                col, cell_row = columns[letters] - 1, int(digits) - 1  # ValueError: damaged
            pending = True
        elif name == "row":
            row = int(attrs["r"]) - 1 if "r" in attrs else row + 1
            col, pending = -1, False
        elif pending:
            pending = False
            low_row, high_row, low_col, high_col = bounds or (cell_row, cell_row, col, col)
            if bounds and low_row <= cell_row <= high_row and low_col <= col <= high_col:
                return
            bounds[:] = (
                min(low_row, cell_row),
                max(high_row, cell_row),
                min(low_col, col),
                max(high_col, col),
            )
            cells = (bounds[1] - bounds[0] + 1) * (bounds[3] - bounds[2] + 1)
            if cells > max_cells:
                raise RefusedFile(
                    _(
                        "A sheet spans %(cells)s cells from its first to its last value; at "
                        "most %(limit)s can be read. Delete stray values far below or to the "
                        "right of the data, save and upload again."
                    )
                    % {"cells": f"{cells:,}", "limit": f"{max_cells:,}"}
                )

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    return parser


def _header_matches(row, columns):
    """``{key: (offset in row, text)}`` of the expected headers in ``row``, and repeats."""
    wanted = {}
    for spec in columns:
        for text in (spec.header, *spec.aliases):
            wanted.setdefault(normalise_header(text), spec)
    found, duplicates = {}, []
    for offset, cell in enumerate(row):
        spec = wanted.get(normalise_header(cell)) if isinstance(cell, str) else None
        if spec is None:
            continue
        if spec.key in found:
            duplicates.append(spec)
        found.setdefault(spec.key, (offset, cell))
    return found, duplicates


def _find_header(sheets, names, columns):
    required = [spec for spec in columns if spec.required]
    partial = None  # (found count, sheet name, excel row, missing headers)
    for name, sheet in sheets:
        if sheet.start is None:
            continue
        for excel_row, cells in _iter_sheet(sheet):
            if excel_row > HEADER_SEARCH_ROWS:
                break
            found, duplicates = _header_matches(cells, columns)
            missing = [spec.header for spec in required if spec.key not in found]
            if found and not missing:
                if duplicates:
                    raise RefusedFile(
                        _(
                            "The column “%(header)s” appears more than once in row %(row)s of "
                            "sheet “%(sheet)s”. Keep only one of them and upload again."
                        )
                        % {"header": duplicates[0].header, "row": excel_row, "sheet": name}
                    )
                first_column = sheet.start[1]
                return LedgerSheet(
                    name=name,
                    header_row=excel_row,
                    columns={key: first_column + pos for key, (pos, _t) in found.items()},
                    headers={key: text for key, (_p, text) in found.items()},
                    data_rows=0,
                    _sheet=sheet,
                    _first_column=first_column,
                )
            hits = len(required) - len(missing)
            if hits and 2 * hits >= len(required) and (partial is None or hits > partial[0]):
                partial = (hits, name, excel_row, missing)
    if partial:
        _hits, name, excel_row, missing = partial
        raise RefusedFile(
            _(
                "The sheet “%(sheet)s” (header row %(row)s) is missing these required columns: "
                "%(missing)s. Add them, or check their spelling, and upload again."
            )
            % {"sheet": name, "row": excel_row, "missing": "、".join(missing)}
        )
    raise RefusedFile(
        _(
            "No sheet has a header row with the columns %(expected)s in its first %(rows)s "
            "rows. Sheets in the file: %(sheets)s."
        )
        % {
            "expected": "、".join(spec.header for spec in required),
            "rows": HEADER_SEARCH_ROWS,
            "sheets": "、".join(names) or "-",
        }
    )


def _count_rows(ledger, limits):
    """Count non-blank data rows; past ``max_rows`` refuse without reading the rest."""
    count = 0
    for _row in ledger.rows():
        count += 1
        if count > limits.max_rows:
            raise RefusedFile(
                _(
                    "The sheet “%(sheet)s” has more than %(limit)s data rows, the most one "
                    "import can take. Split it into several files and import them one by one."
                )
                % {"sheet": ledger.name, "limit": f"{limits.max_rows:,}"}
            )
    ledger.data_rows = count
