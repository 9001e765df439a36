"""The row parser: an expat parser turning the XML of a sheet into rows of values.

The handlers run for every element of sheets with millions of cells, so they are closures
over plain variables with the common cases first; see :func:`_row_parser`.
"""

import datetime as dt
import re

from imports.xlsx.formats import DATE, _iso_datetime, _unescape, excel_datetime
from imports.xlsx.parts import XlsxError, _parser

MAX_ROW = 1_048_576  # Excel's grid: no cell lies beyond XFD1048576
MAX_COLUMN = 16_384
_REFERENCE = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")
_TEXT_KINDS = frozenset(["inlineStr", "str", "e"])  # cells whose text is their value
_BOOLEANS = {"1": True, "0": False, "true": True, "false": False, "TRUE": True, "FALSE": False}


class SpanTooLarge(XlsxError):
    """The values of a sheet span more cells than allowed, from first to last."""

    def __init__(self, cells):
        super().__init__(cells)
        self.cells = cells


class _Stop(Exception):
    """Raised by a handler to stop the parser once the rows asked for are read."""


def _cell_reference(ref):
    """``(letters, column index, row)`` of a reference such as ``"B12"``."""
    match = _REFERENCE.fullmatch(ref)
    if match is None:
        raise XlsxError(f"cell reference {ref!r}")
    letters, digits = match.groups()
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    row = int(digits)
    if column > MAX_COLUMN or not 1 <= row <= MAX_ROW:
        raise XlsxError(f"cell reference {ref!r}")
    return letters, column - 1, row


def _row_parser(workbook, wanted, stop_row, max_span, out):  # noqa: C901
    """An expat parser appending ``(excel_row, {column or key: value})`` to ``out`` for
    each row it reads (see :meth:`Workbook.rows`), and the function to call after the
    last chunk, for the last row.

    Cells go where Excel puts them: by their reference r, else right of the previous cell
    of the row; a row without r follows the previous one (a row without r whose first cell
    has a reference is that cell's row). A cell whose reference names another row than
    its row element is read with its row element; in the span, it counts in the row it
    names, and a cell counts once it has a child (a value, formula or inline string).

    Speed: a Python call for each start, end and text of millions of elements costs more
    than the rest of the work, so there is no end handler. A cell is finished when the
    next cell or row starts, a row when the next row starts or the sheet ends. Text is
    collected only inside <v> and <t> of the cells read, and is then followed by any
    whitespace between the elements up to the next start, which numbers, shared string
    indexes and booleans ignore; only while the <t> or <v> of a text (an inline string,
    formula string or error) is read does an end handler mark where it ends. A cell's
    reference usually ends with its row's r ("B12" in row 12), so its column (and key) is
    looked up by its letters alone. The handlers are closures over plain variables, the
    common cases first, and the common values are made inline.
    """
    strings, date_styles = workbook.shared_strings, workbook.date_styles
    date1904 = workbook.date1904
    strings_count = len(strings)
    by_letters = {}  # "B" → (1, key)
    date_cache = {}
    row = span_row = 0  # the row read, and the row its row element says
    implicit_row = True  # the row element has no r
    suffix, cut = "\0", 0  # the row's r, which its cells' references end with
    cells = {}
    col = -1
    key = None  # the cell's column or key; None: the cell is not read
    kind = text = None
    cell_attrs = {}  # the attributes of the cell read
    capture = phonetic = in_row = has_child = False
    stray_row = None  # the row a cell's reference names, when not its row element's
    row_lo, row_hi = MAX_COLUMN, -1  # columns of the row's cells holding something
    first_row, last_row, first_col, last_col = MAX_ROW + 1, 0, MAX_COLUMN, -1

    def extend(at_row, low, high):
        nonlocal first_row, last_row, first_col, last_col
        first_row, last_row = min(first_row, at_row), max(last_row, at_row)
        first_col, last_col = min(first_col, low), max(last_col, high)
        span = (last_row - first_row + 1) * (last_col - first_col + 1)
        if span > max_span:
            raise SpanTooLarge(span)

    def place(ref):
        """``(column, key)`` of a cell without a reference or not on the fast path."""
        nonlocal row, stray_row
        stray_row = None
        if ref is None:
            index = col + 1
            if index >= MAX_COLUMN:
                raise XlsxError("more columns than a sheet has")
        else:
            letters, index, at_row = _cell_reference(ref)
            by_letters[letters] = (index, index if wanted is None else wanted.get(index))
            if at_row != span_row:
                if implicit_row and col < 0:
                    row = at_row  # a row without r: its first cell says which row it is
                stray_row = at_row
        return index, index if wanted is None else wanted.get(index)

    def finish_cell():
        """Store the value of the cell just read (its ``text`` is not None)."""
        try:
            if kind is None or kind == "n":
                number = float(text)
                style = cell_attrs.get("s")
                date_kind = date_styles.get(style) if style is not None else None
                if date_kind is None:
                    cells[key] = number
                elif date_kind == DATE:
                    value = date_cache.get(number)
                    if value is None:
                        value = excel_datetime(number, date1904)
                        if len(date_cache) < 4096 and type(value) is dt.date:
                            date_cache[number] = value
                    cells[key] = value
                else:
                    cells[key] = dt.timedelta(days=number)
            elif kind == "s":
                index = int(text)
                if not 0 <= index < strings_count:
                    raise XlsxError(f"shared string {index} of {strings_count}")
                cells[key] = strings[index]
            elif kind in _TEXT_KINDS:
                cells[key] = _unescape(text) if "_x" in text else text
            elif kind == "b":
                cells[key] = _BOOLEANS[text.strip()]
            elif kind == "d":
                cells[key] = _iso_datetime(text)
            else:
                raise XlsxError(f"cell type {kind!r}")
        except (ValueError, KeyError):
            if not text.isspace():  # only the whitespace after an empty <v/>: no value
                raise

    def start(name, attrs):
        nonlocal row, span_row, implicit_row, suffix, cut, cells, col, key, kind, text
        nonlocal cell_attrs, capture, phonetic, in_row, has_child, stray_row, row_lo, row_hi
        if name == "c":
            if key is not None and text is not None:  # the previous cell's value
                if kind == "inlineStr" and "_x" not in text:
                    cells[key] = text
                elif kind == "s" and text.isdigit() and int(text) < strings_count:
                    cells[key] = strings[int(text)]
                elif (kind is None or kind == "n") and "s" not in cell_attrs:
                    try:
                        cells[key] = float(text)
                    except ValueError:
                        finish_cell()
                else:
                    finish_cell()
            if has_child:  # the previous cell counts in the span
                has_child = False
                if stray_row is None:
                    if col < row_lo:
                        row_lo = col
                    if col > row_hi:
                        row_hi = col
                else:
                    extend(stray_row, col, col)
            ref = attrs.get("r")
            if ref is not None and ref.endswith(suffix):
                placed = by_letters.get(ref[:cut])
                if placed is None:
                    col, key = place(ref)
                else:
                    col, key = placed
                    stray_row = None
            else:
                col, key = place(ref)
            if key is not None:
                kind = attrs.get("t")
                cell_attrs = attrs
                text = None
            capture = False
        elif name == "v":
            has_child = True
            capture = key is not None
            if capture and kind in _TEXT_KINDS:
                parser.EndElementHandler = end
        elif name == "t":  # only in <is>: an inline string's text
            capture = key is not None and not phonetic
            if capture:
                parser.EndElementHandler = end
        elif name == "is":
            phonetic = capture = False
            has_child = True
        elif name == "row":
            if in_row:
                finish()
            ref = attrs.get("r")
            span_row += 1
            if ref is None:
                row += 1
                implicit_row, suffix, cut = True, "\0", 0
            else:
                row = span_row = int(ref)
                implicit_row, suffix, cut = False, ref, -len(ref)
            if not 0 < row <= MAX_ROW:
                raise XlsxError(f"row {row}")
            if row > stop_row:
                raise _Stop
            cells = {}
            col, key, stray_row, capture, in_row = -1, None, None, False, True
        elif name == "f":
            capture = False
            has_child = True
        elif ":" in name:
            start(name.rpartition(":")[2], attrs)
        else:
            capture = False
            if name == "rPh":
                phonetic = True

    def end(_name):
        """The end of the <v> or <t> of a text (they hold no elements: the first end after
        their start is theirs)."""
        nonlocal capture
        capture = False
        parser.EndElementHandler = None

    def chars(data):
        nonlocal text
        if capture:
            text = data if text is None else text + data

    def finish():
        """The end of a row (or of the sheet): its last cell, its span, the row to ``out``."""
        nonlocal in_row, has_child, row_lo, row_hi, first_row, last_row, first_col, last_col
        if not in_row:
            return
        in_row = False
        if key is not None and text is not None:
            finish_cell()
        if has_child:
            has_child = False
            if stray_row is None:
                row_lo, row_hi = min(row_lo, col), max(row_hi, col)
            else:
                extend(stray_row, col, col)
        if row_hi >= 0:  # extend(span_row, row_lo, row_hi), written out: once a row
            if span_row < first_row:
                first_row = span_row
            if span_row > last_row:
                last_row = span_row
            if row_lo < first_col:
                first_col = row_lo
            if row_hi > last_col:
                last_col = row_hi
            if (last_row - first_row + 1) * (last_col - first_col + 1) > max_span:
                raise SpanTooLarge((last_row - first_row + 1) * (last_col - first_col + 1))
            row_lo, row_hi = MAX_COLUMN, -1
        if cells:
            out.append((row, cells))

    parser = _parser()
    parser.StartElementHandler = start
    parser.CharacterDataHandler = chars
    return parser, finish
