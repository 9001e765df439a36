"""The steps every ledger goes through, whatever its kind.

1. :func:`analyse` reads the sheet a chunk of rows at a time: each cell is parsed, each
   row checked (references, department, duplicate keys) and compared with what is stored.
   It yields a :class:`ChunkResult` per chunk — the refused rows with their reasons, the
   new and changed rows with their differences — and touches nothing.
2. :func:`write` takes the valid rows again, inside the caller's transaction, compares
   them with what is stored *now*, and creates and updates records in bulk. It returns
   the journal of what it did: the ids it created and the values it replaced, which is
   all undo needs.

Rows are compared in ledger terms (codes as the sheet writes them), only on the columns
the sheet has: a ledger without the optional 備考 column leaves every 備考 as it was.
"""

import datetime as dt
from dataclasses import dataclass, field
from itertools import islice

from django.utils.translation import gettext as _

from imports.kinds.base import RowError
from imports.kinds.lookups import department_names
from imports.reader import Limits, open_ledger
from imports.values import CellError, plain_text

CHUNK_ROWS = 2000


class WriteRefused(Exception):
    """The stored records changed since the check so that a row may no longer be written."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Issue:
    """A refused row: where it is and why (``column`` is the header as the sheet has it)."""

    row: int
    column: str
    value: str
    message: str


@dataclass
class RowChange:
    """A new or changed row for the preview, in display form."""

    row: int
    key: str
    changes: dict  # header → [before, after] (before is "" for a new row)


@dataclass
class ChunkResult:
    rows_done: int = 0
    issues: list = field(default_factory=list)
    invalid: int = 0
    new_count: int = 0
    new: list = field(default_factory=list)  # described, up to the analysis's limit
    changed: list = field(default_factory=list)
    unchanged: int = 0
    valid_rows: list = field(default_factory=list)  # (row number, key, row) for write()


def _batched(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Analysis:
    """One pass over an uploaded ledger for one user (``user`` None: the command line,
    which may import every department)."""

    def __init__(
        self, kind, path, *, user, all_departments, department_ids, limits=None, new_described=None
    ):
        self.kind = kind
        # New rows are described for the preview up to this many; the rest are counted.
        self.new_to_describe = new_described
        self.sheet = open_ledger(
            path, kind.reader_columns(), limits=limits or Limits.from_settings()
        )
        self.ctx = kind.context(user, all_departments, frozenset(department_ids))
        parsers = kind.parsers(self.ctx)
        self.present = [(key, parsers[key]) for key in parsers if key in self.sheet.columns]
        self.headers = {
            column.key: self.sheet.headers.get(column.key, column.header) for column in kind.columns
        }
        self._department_names = None
        self._seen = {}

    @property
    def rows_total(self):
        return self.sheet.data_rows

    def department_name(self, department_id):
        if self._department_names is None:
            self._department_names = department_names()
        return self._department_names.get(department_id, "?")

    def chunks(self):
        """Yield a :class:`ChunkResult` for every ``CHUNK_ROWS`` rows of the sheet."""
        for chunk in _batched(self.sheet.rows(), CHUNK_ROWS):
            yield self._chunk(chunk)

    def _issue(self, result, row_number, key, raw, message):
        result.issues.append(
            Issue(row_number, self.headers.get(key, key), plain_text(raw), str(message))
        )

    def _chunk(self, chunk):
        kind, ctx, present, seen = self.kind, self.ctx, self.present, self._seen
        result = ChunkResult(rows_done=len(chunk))
        candidates = []
        for row_number, cells in chunk:
            row = {}
            failed = False
            for key, parse in present:
                raw = cells.get(key, "")
                try:
                    row[key] = parse(raw)
                except CellError as error:
                    self._issue(result, row_number, key, raw, error.message)
                    failed = True
            if failed:
                result.invalid += 1
                continue
            try:
                kind.check(row, ctx)
                self.check_department(kind.department_of(row, ctx))
            except RowError as error:
                self._issue(
                    result, row_number, error.column, cells.get(error.column), error.message
                )
                result.invalid += 1
                continue
            key = kind.key_of(row)
            first = seen.get(key)
            if first is not None:
                column = kind.key_columns[0]
                message = _("The same %(key)s as row %(row)s: a key may appear only once.") % {
                    "key": " / ".join(self.headers[c] for c in kind.key_columns),
                    "row": first,
                }
                self._issue(result, row_number, column, cells.get(column), message)
                result.invalid += 1
                continue
            seen[key] = row_number
            candidates.append((row_number, key, row))
        existing = kind.existing([key for _row, key, _values in candidates]) if candidates else {}
        for row_number, key, row in candidates:
            found = existing.get(key)
            if found is None:
                result.new_count += 1
                if self.new_to_describe is None or self.new_to_describe > 0:
                    result.new.append(self._change(row_number, key, {}, row))
                    if self.new_to_describe is not None:
                        self.new_to_describe -= 1
                result.valid_rows.append((row_number, key, row))
                continue
            _pk, stored = found
            try:
                self.check_department(kind.department_of(stored, ctx), stored=True)
            except RowError as error:
                column = error.column
                self._issue(result, row_number, column, row.get(column, ""), error.message)
                result.invalid += 1
                continue
            result.valid_rows.append((row_number, key, row))
            if any(stored[k] != value for k, value in row.items()):
                result.changed.append(self._change(row_number, key, stored, row))
            else:
                result.unchanged += 1
        return result

    def check_department(self, department_id, *, stored=False):
        """Raise :class:`RowError` when the user may not import rows of this department
        (``stored``: the record already stored belongs to it)."""
        if department_id is None or self.ctx.may_import_department(department_id):
            return
        template = (
            _("It is a record of %(department)s, which you do not administer.")
            if stored
            else _("It belongs to %(department)s, which you do not administer.")
        )
        raise RowError(
            self.kind.department_column,
            template % {"department": self.department_name(department_id)},
        )

    def _change(self, row_number, key, stored, row):
        kind, ctx = self.kind, self.ctx
        if not stored:  # a new row: its values, leaving out the empty ones
            changes = {
                self.headers[k]: ["", shown]
                for k, value in row.items()
                if (shown := kind.display(k, value, ctx))
            }
        else:
            changes = {
                self.headers[k]: [kind.display(k, stored[k], ctx), kind.display(k, value, ctx)]
                for k, value in row.items()
                if stored[k] != value
            }
        return RowChange(row_number, kind.key_label(key), changes)


@dataclass
class WriteResult:
    created: list = field(default_factory=list)  # pks
    changed: list = field(default_factory=list)  # (pk, before) in JSON form
    unchanged: list = field(default_factory=list)  # pks


def write(analysis, valid_rows, *, stamp):
    """Write ``valid_rows`` (from :class:`Analysis`) against what is stored now.

    Call it inside a transaction: it raises :class:`WriteRefused` when a record moved to
    another department since the check, and the caller rolls everything back.
    """
    kind, ctx = analysis.kind, analysis.ctx
    defaults = _defaults(analysis)
    result = WriteResult()
    existing = kind.existing([key for _row, key, _values in valid_rows])
    new_rows, changed_rows = [], []
    for row_number, key, row in valid_rows:
        found = existing.get(key)
        if found is None:
            new_rows.append({**defaults, **row})
            continue
        pk, stored = found
        try:
            analysis.check_department(kind.department_of(stored, ctx), stored=True)
        except RowError as error:
            raise WriteRefused(
                _("Row %(row)s: %(message)s") % {"row": row_number, "message": error.message}
            ) from error
        if any(stored[k] != value for k, value in row.items()):
            changed_rows.append((pk, {**stored, **row}))
            result.changed.append((pk, to_json(stored)))
        else:
            result.unchanged.append(pk)
    if new_rows:
        result.created = kind.write_new(new_rows, ctx, stamp)
    if changed_rows:
        kind.write_changed(changed_rows, ctx, stamp)
    return result


def _defaults(analysis):
    """Values of the optional columns a sheet lacks, for the records it creates."""
    parsers = analysis.kind.parsers(analysis.ctx)
    return {key: parse("") for key, parse in parsers.items() if key not in analysis.sheet.columns}


def to_json(values):
    """Ledger values as JSON can hold them (dates as ISO text)."""
    return {
        key: value.isoformat() if isinstance(value, dt.date) else value
        for key, value in values.items()
    }


def from_json(kind, values):
    """The inverse of :func:`to_json` for ``kind``'s date columns."""
    return {
        key: dt.date.fromisoformat(value)
        if key in kind.date_columns and isinstance(value, str)
        else value
        for key, value in values.items()
    }
