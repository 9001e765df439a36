"""The blank workbook staff download to fill in a ledger (テンプレート).

The first sheet is the ledger itself, named after the kind's Japanese title: the header
row exactly as the importer expects it (so the template re-imports as it is), one example
row, column widths, number formats on whole columns (codes stay text, keeping leading
zeros) and drop-down lists for columns with a fixed set of values. The drop-downs refer to
a hidden sheet "選択肢" rather than an inline list, which Excel caps at 255 characters.
A second sheet, "説明", explains how to fill it in.

Building it touches no database except through the columns' ``options`` callables (the
payment methods of the collection ledger).
"""

import datetime as dt
import io
import itertools

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from catalog.exports import xlsx_response

OPTIONS_SHEET = "選択肢"
INSTRUCTIONS_SHEET = "説明"
# Drop-downs cover the rows a ledger typed into a template plausibly reaches.
VALIDATED_ROWS = 10_000

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="FFD9E1F2")  # light blue: optional column
_REQUIRED_FILL = PatternFill("solid", fgColor="FFF8CBAD")  # light orange: required column
_WRAP = Alignment(wrap_text=True, vertical="top")


def template_workbook(kind) -> bytes:
    """The ``.xlsx`` template of ``kind`` (a :class:`imports.kinds.base.Kind`), as bytes."""
    workbook = Workbook()
    ledger = workbook.active
    ledger.title = kind.title
    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET)
    choices = workbook.create_sheet(OPTIONS_SHEET)
    choices.sheet_state = "hidden"

    options = {
        column.key: [str(label) for label in column.options()]
        for column in kind.columns
        if column.options is not None
    }
    _write_ledger(ledger, kind, options, choices)
    _write_instructions(instructions, kind, options)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_response(kind) -> HttpResponse:
    """The template of ``kind`` as a download: ``template-<code>.xlsx``, and its Japanese
    name (``収納対象一覧_テンプレート.xlsx``) for browsers that read ``filename*``."""
    return xlsx_response(
        template_workbook(kind),
        filename=f"{kind.title}_テンプレート.xlsx",
        fallback=f"template-{kind.code}.xlsx",
    )


def _text(cell, value):
    """Put ``value`` in ``cell``; text always stays text, even when it starts with ``=``."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _example_value(column):
    """The example as the cell should hold it: a real date in a date column, text in a
    text column (so ``"0101"`` keeps its zero), numbers as numbers."""
    example = column.example
    if example is None or example == "":
        return None
    if column.number_format == "@":
        return str(example)
    if is_date_format(column.number_format) and isinstance(example, str):
        return dt.date.fromisoformat(example)
    return example


def _write_ledger(sheet, kind, options, choices):
    targets = itertools.count(1)  # the options sheet's next free column
    for index, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        # A column style: what staff type below the header gets this format
        # (text for codes), without filling the sheet with thousands of empty cells.
        dimension.number_format = column.number_format

        header = _text(sheet.cell(row=1, column=index), column.header)
        header.font = _HEADER_FONT
        header.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        header.alignment = Alignment(horizontal="center", vertical="center")

        example = _text(sheet.cell(row=2, column=index), _example_value(column))
        example.number_format = column.number_format

        labels = options.get(column.key)
        if labels:
            _add_drop_down(sheet, letter, column, labels, choices, target=next(targets))
    sheet.freeze_panes = "A2"


def _add_drop_down(sheet, letter, column, labels, choices, *, target):
    """A list validation on the column, its values listed in column ``target`` of the
    hidden options sheet (under the column's header, for whoever unhides it)."""
    _text(choices.cell(row=1, column=target), column.header)
    for row, label in enumerate(labels, start=2):
        _text(choices.cell(row=row, column=target), label)
    source = get_column_letter(target)
    validation = DataValidation(
        type="list",
        formula1=f"{quote_sheetname(OPTIONS_SHEET)}!${source}$2:${source}${len(labels) + 1}",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=_("Not in the list")[:32],
        error=_("Choose a value from the drop-down list.")[:255],
    )
    validation.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
    sheet.add_data_validation(validation)


def _write_instructions(sheet, kind, options):
    required = "、".join(column.header for column in kind.columns if column.required)
    lines = [
        _("How to fill in the %(title)s template") % {"title": kind.title},
        "",
        _("Enter one record per row on the sheet “%(sheet)s”, below the header row.")
        % {"sheet": kind.title},
        _("Row 2 is an example: overwrite it or delete it."),
        _("Keep the header row as it is. Columns with an orange header are required: %(columns)s.")
        % {"columns": required},
        _("In a required column, leave a cell empty only where its explanation says so."),
        _("Codes keep their leading zeros (0101): their columns are formatted as text."),
        _("Nothing is imported until you have checked the preview and confirmed it."),
        _("Importing the same file again changes nothing."),
        "",
    ]
    for row, line in enumerate(lines, start=1):
        _text(sheet.cell(row=row, column=1), line or None)
    sheet["A1"].font = Font(bold=True, size=14)

    table_row = len(lines) + 1
    headings = [_("Column"), _("Required or optional"), _("Explanation"), _("Accepted values")]
    for index, heading in enumerate(headings, start=1):
        cell = _text(sheet.cell(row=table_row, column=index), heading)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for row, column in enumerate(kind.columns, start=table_row + 1):
        labels = options.get(column.key)
        if labels:
            accepted = " / ".join(labels)
        elif column.example not in (None, ""):
            accepted = _("e.g. %(example)s") % {"example": column.example}
        else:
            accepted = ""
        values = [
            column.header,
            _("Required") if column.required else _("Optional"),
            str(column.note) if column.note else "",
            accepted,
        ]
        for index, value in enumerate(values, start=1):
            _text(sheet.cell(row=row, column=index), value or None).alignment = _WRAP
        if column.required:
            sheet.cell(row=row, column=1).fill = _REQUIRED_FILL
    for letter, width in zip("ABCD", (18, 12, 60, 40), strict=True):
        sheet.column_dimensions[letter].width = width
