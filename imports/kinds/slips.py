"""The slip ledger (納付書): one row per payment slip the city sends.

Rows are written set-based (bulk inserts and updates) because a tax ledger has 100,000
rows and more. Each new or changed slip gets its convenience-store barcode digits from the
service's *published* convenience-store channel as it is written.
"""

from functools import partial

from django.utils.translation import gettext_lazy as _

from catalog.models import Service
from channels.models import PaymentSlip
from channels.selectors import published_slip_channels
from channels.slip_codes import slip_barcode, slip_number_error
from imports import values
from imports.kinds.base import Column, Context, RowError, ServiceRowsKind, service_code_column
from imports.kinds.lookups import service_lookup

FIELDS = (
    "slip_number",
    "service_code",
    "payer_number",
    "amount",
    "due_date",
    "reissue_count",
    "confirmation_number",
    "el_qr",
)


class SlipKind(ServiceRowsKind):
    """納付書: 納付番号 is the natural key."""

    code = "slips"
    title = "納付書"
    model = PaymentSlip
    key_columns = ("slip_number",)
    permissions = ("channels.add_paymentslip", "channels.change_paymentslip")
    date_columns = ("due_date",)
    columns = [
        Column(
            "slip_number",
            "納付番号",
            partial(values.digits, max_length=20),
            example="000000012345",
            note=_("Up to 20 digits; it identifies the slip. Leading zeros are kept."),
            width=22,
        ),
        service_code_column(
            example="20001", note=_("The 5-digit code of a slip service in the catalog.")
        ),
        Column(
            "payer_number",
            "納付者番号",
            partial(values.digits, max_length=20),
            example="1234567890",
            note=_("Up to 20 digits."),
            width=18,
        ),
        Column(
            "amount",
            "金額",
            values.amount,
            example=12300,
            note=_("Whole yen, e.g. 12300 or ¥12,300."),
            number_format="#,##0",
        ),
        Column(
            "due_date",
            "納期限",
            values.date,
            example="2025-04-30",
            note=_("A date, e.g. 2025/4/30 or 令和7年4月30日."),
            number_format="yyyy/mm/dd",
        ),
        Column(
            "reissue_count",
            "再発行回数",
            partial(values.integer_in_range, minimum=0, maximum=9, required=False, default=0),
            example=0,
            note=_("0 for a first issue, up to 9. Empty means 0."),
            number_format="0",
        ),
        Column(
            "confirmation_number",
            "確認番号",
            partial(values.digits, max_length=20, required=False),
            example="123456",
            note=_("The Pay-easy confirmation number, when the slip has one."),
        ),
        Column(
            "el_qr",
            "eL-QR",
            partial(values.text, max_length=2000, required=False),
            note=_("The eL-QR payload exactly as the tax system supplied it (optional)."),
            aliases=("ELQR", "eLQR", "地方税統一QRコード"),
            required=False,
            width=30,
        ),
    ]

    def context(self, user, all_departments, department_ids):
        ctx = Context(user, all_departments, department_ids)
        ctx.lookups["services"] = service_lookup()
        ctx.lookups["channels"] = published_slip_channels(
            [entry.pk for entry in ctx.lookups["services"].values()]
        )
        return ctx

    def check(self, row, ctx):
        service = self.service_of(row, ctx)
        if service.route != Service.Route.SLIP:
            raise RowError(
                "service_code",
                _("%(code)s %(name)s is not paid by slip.")
                % {"code": service.code, "name": service.name},
            )
        if row["amount"] < 1:
            raise RowError("amount", _("A slip is for 1 yen or more."))
        problem = slip_number_error(ctx.lookups["channels"].get(service.pk), row["slip_number"])
        if problem:
            raise RowError("slip_number", problem)

    def existing(self, keys):
        numbers = [key[0] for key in keys]
        rows = PaymentSlip.objects.filter(slip_number__in=numbers).values_list(
            "pk",
            "slip_number",
            "service__code",
            "payer_number",
            "amount",
            "due_date",
            "reissue_count",
            "confirmation_number",
            "el_qr",
        )
        return {(row[1],): (row[0], dict(zip(FIELDS, row[1:], strict=True))) for row in rows}

    def _fields(self, row, ctx, stamp):
        service = ctx.lookups["services"][row["service_code"]]
        barcode, note = slip_barcode(
            channel=ctx.lookups["channels"].get(service.pk),
            slip_number=row["slip_number"],
            amount=row["amount"],
            due_date=row["due_date"],
            reissue_count=row["reissue_count"],
        )
        return {
            "slip_number": row["slip_number"],
            "service_id": service.pk,
            "payer_number": row["payer_number"],
            "amount": row["amount"],
            "due_date": row["due_date"],
            "reissue_count": row["reissue_count"],
            "confirmation_number": row["confirmation_number"],
            "el_qr": row["el_qr"],
            "barcode_data": barcode,
            "barcode_note": note,
            "updated_at": stamp,
        }

    def write_new(self, rows, ctx, stamp):
        created = PaymentSlip.objects.bulk_create(
            [PaymentSlip(**self._fields(row, ctx, stamp)) for row in rows], batch_size=1000
        )
        return [slip.pk for slip in created]

    def write_changed(self, changes, ctx, stamp):
        slips = []
        for pk, row in changes:
            slip = PaymentSlip(pk=pk, **self._fields(row, ctx, stamp))
            slips.append(slip)
        PaymentSlip.objects.bulk_update(slips, UPDATED_FIELDS, batch_size=500)

    def restore(self, items, ctx, stamp):
        self.write_changed(items, ctx, stamp)

    def labels_of(self, pks):
        return dict(PaymentSlip.objects.filter(pk__in=pks).values_list("pk", "slip_number"))


UPDATED_FIELDS = [
    "service_id",
    "payer_number",
    "amount",
    "due_date",
    "reissue_count",
    "confirmation_number",
    "el_qr",
    "barcode_data",
    "barcode_note",
    "updated_at",
]
