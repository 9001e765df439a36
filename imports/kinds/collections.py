"""The monthly collection ledger (収納実績): per service, payment method and month, how
many payments, how much, and how many on time.

Written set-based like slips: a city's monthly results across services and methods add
up to thousands of rows a year. ``(年月, サービスコード, 決済手段)`` is the natural key.
"""

from functools import partial

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels.models import CollectionRecord
from imports import values
from imports.kinds.base import Column, Context, RowError, ServiceRowsKind, service_code_column
from imports.kinds.lookups import method_lookup, method_options, service_lookup

FIELDS = ("period", "service_code", "method", "payment_count", "amount", "on_time_count")


def _method_labels():
    return [method.name for method in method_lookup().values()]


class CollectionKind(ServiceRowsKind):
    """収納実績: one row per month, service and payment method."""

    code = "collections"
    title = "収納実績"
    model = CollectionRecord
    key_columns = ("period", "service_code", "method")
    permissions = ("channels.add_collectionrecord", "channels.change_collectionrecord")
    date_columns = ("period",)
    columns = [
        Column(
            "period",
            "年月",
            values.year_month,
            example="2024-04",
            note=_("The month, e.g. 2024-04, 2024年4月 or 令和6年4月."),
        ),
        service_code_column(
            example="10001", note=_("The 5-digit code of a service in the catalog.")
        ),
        Column(
            "method",
            "決済手段",
            partial(values.text, max_length=60),
            example="クレジットカード",
            note=_("A payment method as the drop-down lists it."),
            options=_method_labels,
            width=28,
        ),
        Column(
            "payment_count",
            "件数",
            values.count,
            example=120,
            note=_("Number of payments."),
            number_format="#,##0",
        ),
        Column(
            "amount",
            "金額",
            values.amount,
            example=36000,
            note=_("Whole yen collected."),
            number_format="#,##0",
        ),
        Column(
            "on_time_count",
            "期限内件数",
            values.count,
            example=118,
            note=_("Payments made by the due date; at most the number of payments."),
            number_format="#,##0",
        ),
    ]

    def context(self, user, all_departments, department_ids):
        ctx = Context(user, all_departments, department_ids)
        ctx.lookups["services"] = service_lookup()
        ctx.lookups["methods"] = method_lookup()
        ctx.lookups["method_options"] = method_options()
        return ctx

    def parsers(self, ctx):
        parsers = super().parsers(ctx)
        parsers["method"] = partial(values.choice, options=ctx.lookups["method_options"])
        return parsers

    def display(self, key, value, ctx):
        if key == "method":
            method = ctx.lookups["methods"].get(value)
            return method.name if method else value
        if key == "period":
            return f"{value:%Y-%m}"
        return super().display(key, value, ctx)

    def check(self, row, ctx):
        this_month = timezone.localdate().replace(day=1)
        if row["period"] > this_month:
            raise RowError(
                "period",
                _("%(month)s has not come yet: results can be imported up to %(this)s.")
                % {"month": f"{row['period']:%Y-%m}", "this": f"{this_month:%Y-%m}"},
            )
        service = self.service_of(row, ctx)
        method = ctx.lookups["methods"][row["method"]]
        if not method.fits_route(service.route):
            raise RowError(
                "method",
                _("%(method)s is not offered for %(code)s %(name)s (its payment route).")
                % {"method": method.name, "code": service.code, "name": service.name},
            )
        if row["on_time_count"] > row["payment_count"]:
            raise RowError(
                "on_time_count",
                _("More payments on time (%(on_time)s) than payments (%(count)s).")
                % {"on_time": row["on_time_count"], "count": row["payment_count"]},
            )

    def existing(self, keys):
        periods = {key[0] for key in keys}
        codes = {key[1] for key in keys}
        rows = CollectionRecord.objects.filter(
            period__in=periods, service__code__in=codes
        ).values_list(
            "pk",
            "period",
            "service__code",
            "method__code",
            "payment_count",
            "amount",
            "on_time_count",
        )
        found = {}
        for row in rows:
            values_ = dict(zip(FIELDS, row[1:], strict=True))
            found[(row[1], row[2], row[3])] = (row[0], values_)
        return found

    def _fields(self, row, ctx, stamp):
        return {
            "period": row["period"],
            "service_id": ctx.lookups["services"][row["service_code"]].pk,
            "method_id": ctx.lookups["methods"][row["method"]].pk,
            "payment_count": row["payment_count"],
            "amount": row["amount"],
            "on_time_count": row["on_time_count"],
            "updated_at": stamp,
        }

    def write_new(self, rows, ctx, stamp):
        created = CollectionRecord.objects.bulk_create(
            [CollectionRecord(**self._fields(row, ctx, stamp)) for row in rows], batch_size=1000
        )
        return [record.pk for record in created]

    def write_changed(self, changes, ctx, stamp):
        records = [CollectionRecord(pk=pk, **self._fields(row, ctx, stamp)) for pk, row in changes]
        CollectionRecord.objects.bulk_update(
            records,
            ["payment_count", "amount", "on_time_count", "updated_at"],
            batch_size=500,
        )

    def restore(self, items, ctx, stamp):
        self.write_changed(items, ctx, stamp)

    def labels_of(self, pks):
        records = CollectionRecord.objects.filter(pk__in=pks).values_list(
            "pk", "period", "service__code", "method__name"
        )
        return {pk: f"{period:%Y-%m} {code} {name}" for pk, period, code, name in records}
