"""Read the rows of an ``.xlsx`` sheet as a stream, with the standard library only.

A sheet's XML is inflated from the ZIP and fed to expat a chunk at a time; each row is
handed out as soon as the parser has read it, so memory does not grow with the sheet
(what is held is the workbook's shared strings and styles). Values come back the way
python-calamine gave them, so the importer's cell parsers need not change: ``str`` for
text, ``float`` for every number, ``bool``, ``datetime.date`` (``datetime.datetime`` with a
time of day, ``datetime.time`` below one day, ``datetime.timedelta`` for elapsed-time
formats such as ``[h]:mm``) for numbers in a date format, and the error text
(``"#N/A"``) for error cells. A formula gives its cached value, ``""`` when it has none: it
is never evaluated.

Every part is read through :func:`read_part`, which refuses a DTD or entity declaration
(:class:`UnsafeXml`, before expat sees the bytes) and a part that inflates past the size
the ZIP declares (:class:`PartTooLarge`). Anything else unreadable is :class:`XlsxError`.
The handlers run for every element of sheets with millions of cells, so they are closures
over plain variables with the common cases first; see :func:`rows._row_parser`.

- :mod:`~imports.xlsx.parts`: reading a ZIP member safely, the expat parser, the errors;
- :mod:`~imports.xlsx.formats`: date number formats, Excel serials, ISO dates, escapes;
- :mod:`~imports.xlsx.workbook`: :class:`Workbook` (sheets, shared strings, styles) and
  :meth:`Workbook.rows`;
- :mod:`~imports.xlsx.rows`: the row parser, and :class:`SpanTooLarge`.
"""

from imports.xlsx.formats import DATE, DURATION, date_format_kind, excel_datetime
from imports.xlsx.parts import CHUNK, PartTooLarge, UnsafeXml, XlsxError, check_part, read_part
from imports.xlsx.rows import MAX_COLUMN, MAX_ROW, SpanTooLarge
from imports.xlsx.workbook import WORKBOOK, Sheet, Workbook

__all__ = [
    "CHUNK",
    "DATE",
    "DURATION",
    "MAX_COLUMN",
    "MAX_ROW",
    "WORKBOOK",
    "PartTooLarge",
    "Sheet",
    "SpanTooLarge",
    "UnsafeXml",
    "Workbook",
    "XlsxError",
    "check_part",
    "date_format_kind",
    "excel_datetime",
    "read_part",
]
