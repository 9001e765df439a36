"""What a ledger kind declares, and the parts every kind shares.

A kind says which columns its sheet has (Japanese headers, how each cell is read, what
the template shows), what identifies a row (the natural key), how a row becomes a
record's fields, which department a row belongs to, and how to write and undo records.
The import engine (:mod:`imports.engine`) runs the same steps for every kind, so a new
ledger is a new module here and nothing else.

Rows are compared in *ledger terms*: codes as the sheet writes them (サービスコード, not
a database id), so a preview's differences read the way staff typed them, and what undo
puts back is stored the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.utils.translation import gettext_lazy as _

from imports import values
from imports.reader import ColumnSpec


@dataclass(frozen=True)
class Column:
    """One column of a ledger sheet.

    ``parse`` turns the raw cell into a clean value or raises
    :class:`imports.values.CellError`. ``options`` (a callable, evaluated when a template
    is made) lists the labels a drop-down offers. ``note`` explains the column on the
    template's instructions sheet.
    """

    key: str
    header: str
    parse: Callable[[Any], Any]
    example: Any = ""
    note: Any = ""
    aliases: tuple[str, ...] = ()
    required: bool = True
    width: int = 14
    options: Callable[[], list[str]] | None = None
    number_format: str = "@"

    def spec(self):
        return ColumnSpec(self.key, self.header, self.aliases, self.required)


class RowError(Exception):
    """A row that is refused as a whole or in one column; ``column`` is a column key."""

    def __init__(self, column, message):
        super().__init__(str(message))
        self.column = column
        self.message = message


@dataclass
class Context:
    """What a kind looked up once per import: codes → ids, and who is importing."""

    user: Any
    all_departments: bool
    department_ids: frozenset
    lookups: dict = field(default_factory=dict)

    def may_import_department(self, department_id):
        return self.all_departments or department_id in self.department_ids


class Kind:
    """Base of the ledger kinds; subclasses fill in the declarations and hooks."""

    code: str
    title: str  # the sheet's Japanese title, e.g. 収納対象一覧
    model: Any
    columns: list[Column]
    key_columns: tuple[str, ...]
    # Django permissions (``app.codename``) a user needs to import this kind.
    permissions: tuple[str, ...]
    # The column that decides a row's department (named in "not your department" errors).
    department_column: str
    # Columns holding dates, which the undo journal keeps as ISO text.
    date_columns: tuple[str, ...] = ()

    def column(self, key):
        return next(column for column in self.columns if column.key == key)

    def reader_columns(self):
        return [column.spec() for column in self.columns]

    def key_of(self, values):
        """The natural key of a row, as a tuple of ledger values."""
        return tuple(values[key] for key in self.key_columns)

    def key_label(self, key):
        return " / ".join(str(part) for part in key)

    def context(self, user, all_departments, department_ids):
        """Look up the codes rows refer to, once per import."""
        return Context(user, all_departments, department_ids)

    def parsers(self, ctx):
        """``{column key: cell parser}``; a kind whose choices come from the database
        (payment methods) binds them here."""
        return {column.key: column.parse for column in self.columns}

    def display(self, key, value, ctx):
        """A ledger value as the preview shows it (labels rather than stored codes)."""
        if value is None:
            return ""
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return str(value)

    def department_of(self, row, ctx):
        """The id of the department a row (or a stored record's values) belongs to."""
        raise NotImplementedError

    def check(self, row, ctx):
        """Cross-column rules and references to other records; may normalise ``row``.

        Raises :class:`RowError` for a row that cannot be imported.
        """
        raise NotImplementedError

    def existing(self, keys):
        """``{key: (pk, ledger values)}`` of the records already stored for ``keys``."""
        raise NotImplementedError

    def write_new(self, rows, ctx, stamp):
        """Create records for ``rows`` (ledger values); returns their pks in order."""
        raise NotImplementedError

    def write_changed(self, changes, ctx, stamp):
        """Update records: ``changes`` is a list of ``(pk, ledger values)``."""
        raise NotImplementedError

    def restore(self, items, ctx, stamp):
        """Undo: put the ledger values back; ``items`` is a list of ``(pk, before)``."""
        raise NotImplementedError

    def remove(self, pks, ctx):
        """Undo: delete the records an import created."""
        self.model._default_manager.filter(pk__in=pks).delete()

    def changed_since(self, pks, since):
        """The pks among ``pks`` that were changed after ``since`` (or are gone)."""
        found = dict(self.model._default_manager.filter(pk__in=pks).values_list("pk", "updated_at"))
        return [pk for pk in pks if pk not in found or found[pk] > since]

    def labels_of(self, pks):
        """``{pk: natural key label}`` for messages about records."""
        raise NotImplementedError


def service_code_column(*, example, note):
    """The サービスコード column of a ledger whose rows hang off a service."""
    return Column(
        "service_code",
        "サービスコード",
        partial(values.code, length=5),
        example=example,
        note=note,
    )


class ServiceRowsKind(Kind):
    """A ledger whose rows belong to a service (collections, slips): the service decides
    the row's department. ``context`` must look up ``services`` (code → entry)."""

    department_column = "service_code"

    def department_of(self, row, ctx):
        service = ctx.lookups["services"].get(row["service_code"])
        return service.department_id if service else None

    def service_of(self, row, ctx):
        """The row's service entry; :class:`RowError` when no service has its code."""
        service = ctx.lookups["services"].get(row["service_code"])
        if service is None:
            raise RowError(
                "service_code",
                _("No service has the code %(code)s.") % {"code": row["service_code"]},
            )
        return service
