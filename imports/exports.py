"""Exports of an import's result: its refused rows as CSV (UTF-8 with a BOM, or CP932),
neutralised like every listing export so a spreadsheet never runs a cell."""

import csv
import io

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from catalog.exports import UTF8_BOM, neutralise


def _issue_rows(ledger_import):
    yield [_("Sheet"), _("Row"), _("Column"), _("Value"), _("Reason")]
    for issue in ledger_import.issues.iterator(chunk_size=2000):
        yield [issue.sheet, issue.row, issue.column, issue.value, issue.message]


def _encoded(rows, encoding):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if encoding == "utf-8":
        yield UTF8_BOM
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
        # A character CP932 lacks becomes "?"; the UTF-8 file keeps every one.
        yield buffer.getvalue().encode(encoding, errors="replace")
        buffer.seek(0)
        buffer.truncate()


def issues_csv_response(ledger_import, *, encoding="utf-8"):
    """Every refused row of ``ledger_import`` with its sheet, row, column, value and reason."""
    response = StreamingHttpResponse(
        _encoded(_issue_rows(ledger_import), encoding),
        content_type=f"text/csv; charset={encoding}",
    )
    name = f"import-{ledger_import.pk}-errors{'-sjis' if encoding == 'cp932' else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
