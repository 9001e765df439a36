"""The assessment ledger (調定額): per fiscal year and service, the amount the city assessed,
which the collection rate (収納率) divides what was collected by.

Written set-based like collections: a department assesses its receivables once a year,
but a city-wide ledger covers every service over several years. ``(年度, サービスコード)``
is the natural key, as in the model's unique constraint. Any service may be assessed
(the route does not matter); the service decides the row's department.
"""

from functools import partial

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.fiscal import fiscal_year, fiscal_year_label
from catalog.models import Assessment
from imports import values
from imports.kinds.base import Column, Context, RowError, ServiceRowsKind, service_code_column
from imports.kinds.lookups import service_lookup

FIELDS = ("fiscal_year", "service_code", "amount")

# The fiscal years Assessment.fiscal_year's validators accept.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def assessed_amount(value) -> int:
    """Whole yen of 1 or more, in any form :func:`imports.values.amount` reads."""
    number = values.amount(value)
    if number < 1:
        raise values.CellError(
            _("%(value)s is not an assessed amount: enter whole yen of 1 or more, e.g. 1200000.")
            % {"value": values.plain_text(value)}
        )
    return number


class AssessmentKind(ServiceRowsKind):
    """調定額: one row per fiscal year and service."""

    code = "assessments"
    title = "調定額"
    model = Assessment
    key_columns = ("fiscal_year", "service_code")
    permissions = ("catalog.add_assessment", "catalog.change_assessment")
    columns = [
        Column(
            "fiscal_year",
            "年度",
            partial(values.fiscal_year, minimum=FIRST_YEAR, maximum=LAST_YEAR),
            example="令和6年度",
            note=_(
                "The fiscal year (April to March), e.g. 2024, 2024年度, 令和6年度 or R6; "
                "at most one year after the current one."
            ),
            aliases=("会計年度",),
        ),
        service_code_column(
            example="20001", note=_("The 5-digit code of a service in the catalog.")
        ),
        Column(
            "amount",
            "調定額",
            assessed_amount,
            example=1200000,
            note=_("Whole yen assessed for the fiscal year, 1 or more."),
            aliases=("調定金額",),
            width=16,
            number_format="#,##0",
        ),
    ]

    def context(self, user, all_departments, department_ids):
        ctx = Context(user, all_departments, department_ids)
        ctx.lookups["services"] = service_lookup()
        # Next year's assessment may be entered ahead (budgets are set before April);
        # anything later is a typo.
        ctx.lookups["latest_year"] = fiscal_year(timezone.localdate()) + 1
        return ctx

    def display(self, key, value, ctx):
        if key == "fiscal_year":
            return fiscal_year_label(value, with_western=True)
        return super().display(key, value, ctx)

    def key_label(self, key):
        return f"{fiscal_year_label(key[0])} / {key[1]}"

    def check(self, row, ctx):
        self.service_of(row, ctx)
        latest = ctx.lookups["latest_year"]
        if row["fiscal_year"] > latest:
            raise RowError(
                "fiscal_year",
                _(
                    "%(year)s is too far ahead: the latest fiscal year that can be assessed "
                    "now is %(latest)s."
                )
                % {
                    "year": fiscal_year_label(row["fiscal_year"], with_western=True),
                    "latest": fiscal_year_label(latest, with_western=True),
                },
            )

    def existing(self, keys):
        years = {key[0] for key in keys}
        codes = {key[1] for key in keys}
        rows = Assessment.objects.filter(
            fiscal_year__in=years, service__code__in=codes
        ).values_list("pk", "fiscal_year", "service__code", "amount")
        found = {}
        for row in rows:
            values_ = dict(zip(FIELDS, row[1:], strict=True))
            found[(row[1], row[2])] = (row[0], values_)
        return found

    def _fields(self, row, ctx, stamp):
        return {
            "fiscal_year": row["fiscal_year"],
            "service_id": ctx.lookups["services"][row["service_code"]].pk,
            "amount": row["amount"],
            "updated_at": stamp,
        }

    def write_new(self, rows, ctx, stamp):
        # updated_at is auto_now: bulk_create stamps it with the time of the insert, which
        # is still before the import's committed_at, so undo sees the rows as untouched.
        created = Assessment.objects.bulk_create(
            [Assessment(**self._fields(row, ctx, stamp)) for row in rows], batch_size=1000
        )
        return [assessment.pk for assessment in created]

    def write_changed(self, changes, ctx, stamp):
        # Only the amount can change: the year and the service are the key.
        assessments = [Assessment(pk=pk, **self._fields(row, ctx, stamp)) for pk, row in changes]
        Assessment.objects.bulk_update(assessments, ["amount", "updated_at"], batch_size=500)

    def restore(self, items, ctx, stamp):
        self.write_changed(items, ctx, stamp)

    def labels_of(self, pks):
        assessments = Assessment.objects.filter(pk__in=pks).values_list(
            "pk", "fiscal_year", "service__code", "service__name"
        )
        return {
            pk: f"{fiscal_year_label(year)} {code} {name}" for pk, year, code, name in assessments
        }
