"""Open an uploaded Excel ledger safely, find its header row and hand out its rows.

The clerks upload ``.xlsx`` workbooks made by hand, by other systems and by templates.
They are read with the standard library only (:mod:`imports.xlsx`, which streams a
sheet's rows and never evaluates formulas), and refused with :class:`RefusedFile` and a
message the clerk can act on when they are: empty or oversized, old ``.xls`` or
password-protected workbooks (both OLE2 containers), things that are not workbooks, broken
or encrypted ZIPs, zip bombs (including members that inflate past their declared size),
XML carrying a DTD or entity declarations, damaged sheets, sheets with more data rows than
one import takes, and sheets whose values span too big a grid (see :class:`Limits`).
Nothing is imported from a refused file.

The header row is looked for in the first rows of each sheet, tolerant of the ways people
write headers (units in brackets, spaces, full-width characters, required marks). Then the
chosen sheet is parsed once, as a stream: its data rows are counted, checked and kept in a
temporary file, a chunk at a time, from which :meth:`LedgerSheet.rows` yields them with
their true Excel row numbers; memory does not grow with the sheet. This module touches no
database and no models.
"""

import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from imports import xlsx
from imports.spool import Spool

MiB = 1024 * 1024
HEADER_SEARCH_ROWS = 20
SPOOL_ROWS = 1000  # data rows pickled together
MAX_MEMBERS = 10_000
_CHUNK = 64 * 1024
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_SCANNED_SUFFIXES = (".xml", ".rels", ".vml")
# What a damaged (or hostile) ZIP raises while its directory is checked.
_DAMAGED = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    NotImplementedError,
    ValueError,
)


class RefusedFile(Exception):
    """The whole file is refused; nothing was imported. ``.message``: for the clerk."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    """How big an upload may be; ``from_settings`` reads ``settings.IMPORT_LIMITS``.

    ``max_rows`` counts the non-blank data rows of the chosen sheet. ``max_cells`` bounds
    rows × columns between that sheet's first and last value: the reader streams and does
    not care, but :mod:`imports.error_workbook` writes each row with errors out to the
    column after the last used one, so its time grows with that grid (two stray values
    far apart would make the download run for minutes).
    """

    max_bytes: int = 50 * MiB
    max_uncompressed_bytes: int = 512 * MiB
    max_ratio: int = 150
    max_rows: int = 500_000
    max_cells: int = 20_000_000  # rows × columns the sheet spans: see the docstring

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
    """None, or a text of spaces (any width) and zero-width characters only."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    if value and not value[0].isspace() and value[0] not in "\u200b\ufeff":
        return False  # the common case, without the regular expression
    return not _WHITESPACE.sub("", value)


def _has_value(cells) -> bool:
    """Whether a row's cells hold anything but blanks (most rows: their first value)."""
    for value in cells.values():  # noqa: SIM110 (a loop: faster than any() on each row)
        if not _is_blank(value):
            return True
    return False


@dataclass
class LedgerSheet:
    """The chosen sheet: where its header is, which columns were found, and its rows.

    ``columns`` holds 0-based Excel column indexes (0 is column A); ``header_row`` and the
    row numbers from :meth:`rows` are Excel's 1-based. ``data_rows``: the non-blank rows
    below the header, which :meth:`rows` yields.
    """

    name: str
    header_row: int
    columns: dict[str, int]
    headers: dict[str, str]
    data_rows: int
    _spool: Spool | None = field(default=None, repr=False, compare=False)

    def rows(self) -> Iterator[tuple[int, dict[str, object]]]:
        """Yield ``(excel_row, {key: raw value})`` below the header, skipping blank rows.

        The rows were read by :func:`open_ledger`; each call reads them again from its
        spool, a chunk at a time.
        """
        for chunk in self._spool or ():
            yield from chunk


def open_ledger(path, columns: list[ColumnSpec], *, limits: Limits | None = None) -> LedgerSheet:
    """Check the file at ``path``, find the sheet and header row holding ``columns``, and
    read that sheet's data rows.

    The sheet is parsed once, here, and its data rows kept in a temporary file from which
    :meth:`LedgerSheet.rows` reads them (see :func:`_read_rows`): what is refused is
    refused before anything is handed out, and the rows are not parsed twice.
    """
    limits = limits or Limits.from_settings()
    path = os.fspath(path)
    _check_container(path, limits)
    try:
        workbook = xlsx.Workbook(path)
        sheets = workbook.sheets
        _check_parts(path, skip=workbook.parts_read | {sheet.part for sheet in sheets})
        ordered = [s for s in sheets if s.visible] + [s for s in sheets if not s.visible]
        ledger, sheet = _find_header(workbook, ordered, columns)
        _read_rows(ledger, workbook, sheet, limits)
        _check_parts(path, only={other.part for other in sheets if other.part != sheet.part})
    except xlsx.XlsxError as error:
        raise _refusal(error) from error
    except _DAMAGED as error:
        raise _broken() from error
    return ledger


def _refusal(error):
    """The :class:`RefusedFile` for what :mod:`imports.xlsx` could not read."""
    if isinstance(error, xlsx.UnsafeXml):
        return RefusedFile(
            _(
                "The file contains XML declarations (a DTD) that Excel never writes, "
                "so it was refused for safety. Save it again from Excel."
            )
        )
    if isinstance(error, xlsx.PartTooLarge):
        return _too_large()
    return RefusedFile(
        _(
            "The workbook could not be read: it is damaged or in a form that cannot be "
            "read. Open it in Excel, save it again as an Excel workbook (.xlsx) and upload "
            "it again."
        )
    )


def check_size(size, limits):
    """Refuse an empty file or one over the upload limit (also before it is stored)."""
    if size == 0:
        raise RefusedFile(_("The file is empty. Choose the Excel workbook and upload it again."))
    if size > limits.max_bytes:
        raise RefusedFile(
            _("The file is %(size)s; files up to %(limit)s can be imported.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limits.max_bytes)}
        )


def _broken():
    return RefusedFile(
        _("The file is damaged or incomplete. Open it in Excel, save it again and upload it again.")
    )


def _check_container(path, limits):
    """What can be told without parsing: the size, the signature, the ZIP's directory."""
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
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if xlsx.WORKBOOK not in {member.filename for member in members}:
                raise not_xlsx
            _check_members(members, limits)
    except _DAMAGED as error:
        raise _broken() from error


def _check_parts(path, *, skip=frozenset(), only=None):
    """Read the XML parts that are not parsed (or not whole), refusing DTDs and parts
    that inflate past their declared size as :func:`xlsx.read_part` does."""
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            name = member.filename
            if only is not None and name not in only:
                continue
            if name not in skip and name.lower().endswith(_SCANNED_SUFFIXES):
                xlsx.check_part(archive, member)


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


def _header_matches(row, columns):
    """``{key: (column, text)}`` of the expected headers in ``row``, and repeats."""
    wanted = {}
    for spec in columns:
        for text in (spec.header, *spec.aliases):
            wanted.setdefault(normalise_header(text), spec)
    found, duplicates = {}, []
    for column, cell in sorted(row.items()):
        spec = wanted.get(normalise_header(cell)) if isinstance(cell, str) else None
        if spec is None:
            continue
        if spec.key in found:
            duplicates.append(spec)
        found.setdefault(spec.key, (column, cell))
    return found, duplicates


def _find_header(workbook, sheets, columns):
    """The first of the first rows of ``sheets`` (visible ones first) holding every
    required column: a :class:`LedgerSheet` whose rows are not read yet, and its sheet."""
    required = [spec for spec in columns if spec.required]
    partial = None  # (found count, sheet name, excel row, missing headers)
    for sheet in sheets:
        rows = workbook.rows(sheet, stop_row=HEADER_SEARCH_ROWS, chunk_size=_CHUNK)
        for excel_row, cells in rows:
            if excel_row > HEADER_SEARCH_ROWS:
                continue
            found, duplicates = _header_matches(cells, columns)
            missing = [spec.header for spec in required if spec.key not in found]
            if found and not missing:
                rows.close()
                if duplicates:
                    raise RefusedFile(
                        _(
                            "The column “%(header)s” appears more than once in row %(row)s of "
                            "sheet “%(sheet)s”. Keep only one of them and upload again."
                        )
                        % {"header": duplicates[0].header, "row": excel_row, "sheet": sheet.name}
                    )
                ledger = LedgerSheet(
                    name=sheet.name,
                    header_row=excel_row,
                    columns={key: column for key, (column, _t) in found.items()},
                    headers={key: text for key, (_c, text) in found.items()},
                    data_rows=0,
                )
                return ledger, sheet
            hits = len(required) - len(missing)
            if hits and 2 * hits >= len(required) and (partial is None or hits > partial[0]):
                partial = (hits, sheet.name, excel_row, missing)
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
            "sheets": "、".join(sheet.name for sheet in workbook.sheets) or "-",
        }
    )


def _read_rows(ledger, workbook, sheet, limits):
    """Read the chosen sheet through once: keep its non-blank data rows in the ledger's
    spool and count them (past ``max_rows``, refuse without reading the rest), checking
    on the way its XML, its values, its part's size and its span (``max_cells``)."""
    wanted = {index: key for key, index in ledger.columns.items()}
    blank = dict.fromkeys(ledger.columns, "")
    header_row, max_rows = ledger.header_row, limits.max_rows
    spool, chunk, count = Spool(), [], 0
    try:
        for excel_row, cells in workbook.rows(sheet, columns=wanted, max_span=limits.max_cells):
            if excel_row > header_row and _has_value(cells):
                count += 1
                if count > max_rows:
                    raise RefusedFile(
                        _(
                            "The sheet “%(sheet)s” has more than %(limit)s data rows, the most "
                            "one import can take. Split it into several files and import them "
                            "one by one."
                        )
                        % {"sheet": ledger.name, "limit": f"{max_rows:,}"}
                    )
                chunk.append((excel_row, {**blank, **cells}))
                if len(chunk) == SPOOL_ROWS:
                    spool.append(chunk)
                    chunk = []
    except xlsx.SpanTooLarge as error:
        raise RefusedFile(
            _(
                "A sheet spans %(cells)s cells from its first to its last value; at "
                "most %(limit)s can be read. Delete stray values far below or to the "
                "right of the data, save and upload again."
            )
            % {"cells": f"{error.cells:,}", "limit": f"{limits.max_cells:,}"}
        ) from error
    if chunk:
        spool.append(chunk)
    ledger.data_rows, ledger._spool = count, spool
