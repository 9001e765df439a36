"""The catalog ledgers: services (収納対象一覧) and facilities (施設一覧).

They are written one record at a time through :mod:`catalog.services`, exactly like an
edit in the admin: each change is validated by the model, gets a revision and an audit
log entry, so a service's history shows the import that changed it. A city has hundreds
of these, not hundreds of thousands, so the per-record cost does not matter.
"""

import re
import unicodedata
from functools import partial

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from catalog.models import Facility, Service
from catalog.services import facility_upsert, service_upsert
from imports import values
from imports.kinds.base import Column, Context, Kind, RowError
from imports.kinds.lookups import department_lookup, facility_lookup

_POSTAL = re.compile(r"(\d{3})-?(\d{4})")


def postal_code(value):
    """A postal code as ``850-8685``; typed with or without the hyphen, full-width, ``〒``."""
    text = values.text(value, max_length=12, required=False)
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).replace("〒", "").strip()
    text = text.replace("ー", "-").replace("−", "-").replace("‐", "-")
    match = _POSTAL.fullmatch(text)
    if not match:
        raise values.CellError(_("Enter the postal code as 850-8685."))
    return f"{match[1]}-{match[2]}"


def _labelled_options(choices):
    """Accept a choice by its label in Japanese (as the drop-down offers it) or English,
    or by its stored code, whatever language is active when the module loads."""
    options = {}
    for language in ("ja", "en"):
        with translation.override(language):
            options.update({str(label): value for value, label in choices})
    return options | {value: value for value, _label in choices}


class CatalogKind(Kind):
    """Shared by services and facilities: per-record writes through the catalog services."""

    upsert = None  # the catalog service that writes one record by code
    department_column = "department_code"

    def department_of(self, row, ctx):
        department = ctx.lookups["departments"].get(row["department_code"])
        return department.pk if department else None

    def _check_department(self, row, ctx):
        if row["department_code"] not in ctx.lookups["departments"]:
            raise RowError(
                "department_code",
                _("No department has the code %(code)s.") % {"code": row["department_code"]},
            )

    def existing(self, keys):
        codes = [key[0] for key in keys]
        rows = self.model.objects.filter(code__in=codes).values_list("pk", *self.orm_fields)
        column_keys = [column.key for column in self.columns]
        found = {}
        for pk, *stored in rows:
            values_ = dict(zip(column_keys, stored, strict=True))
            found[self.key_of(values_)] = (pk, values_)
        return found

    def _write(self, row, ctx):
        instance, _outcome = self.upsert(**row, user=ctx.user)
        return instance.pk

    def write_new(self, rows, ctx, stamp):
        return [self._write(row, ctx) for row in rows]

    def write_changed(self, changes, ctx, stamp):
        for _pk, row in changes:
            self._write(row, ctx)

    def restore(self, items, ctx, stamp):
        self.write_changed(items, ctx, stamp)

    def remove(self, pks, ctx):
        """Undo of a creation: delete each record, recorded in the audit log like an
        admin delete."""
        for instance in self.model.objects.filter(pk__in=pks):
            log(instance, "wagtail.delete", user=ctx.user)
            instance.delete()

    def labels_of(self, pks):
        return {
            pk: f"{code} {name}"
            for pk, code, name in self.model.objects.filter(pk__in=pks).values_list(
                "pk", "code", "name"
            )
        }


class ServiceKind(CatalogKind):
    """収納対象一覧: サービスコード is the natural key."""

    code = "services"
    title = "収納対象一覧"
    model = Service
    key_columns = ("code",)
    permissions = ("catalog.add_service", "catalog.change_service")
    upsert = staticmethod(service_upsert)
    orm_fields = (
        "department__code",
        "code",
        "name",
        "kind",
        "route",
        "facility__code",
        "standard_amount",
        "notes",
    )
    columns = [
        Column(
            "department_code",
            "部署コード",
            partial(values.code, length=3),
            example="171",
            note=_("The 3-digit code of the department that answers for the service."),
        ),
        Column(
            "code",
            "サービスコード",
            partial(values.code, length=5),
            example="10001",
            note=_("5 digits, leading zeros included; it identifies the service."),
        ),
        Column(
            "name",
            "サービス名",
            partial(values.text, max_length=100),
            example="住民票の写し交付手数料",
            width=36,
        ),
        Column(
            "kind",
            "種別",
            partial(values.choice, options=_labelled_options(Service.Kind.choices)),
            example=str(Service.Kind.CERTIFICATE_FEE.label),
            options=lambda: [str(label) for label in Service.Kind.labels],
            width=18,
        ),
        Column(
            "route",
            "収納方法",
            partial(values.choice, options=_labelled_options(Service.Route.choices)),
            example=str(Service.Route.COUNTER.label),
            options=lambda: [str(label) for label in Service.Route.labels],
            width=16,
        ),
        Column(
            "facility_code",
            "施設コード",
            partial(values.code, length=4, required=False),
            example="",
            note=_("4 digits; required for admission fees, empty for slips."),
        ),
        Column(
            "standard_amount",
            "標準金額",
            partial(values.amount, required=False, max_value=99_999_999),
            example=300,
            note=_("Whole yen; leave empty when the amount differs per payer."),
            number_format="#,##0",
        ),
        Column(
            "notes",
            "備考",
            partial(values.text, max_length=2000, required=False),
            required=False,
            width=30,
        ),
    ]

    def context(self, user, all_departments, department_ids):
        ctx = Context(user, all_departments, department_ids)
        ctx.lookups["departments"] = department_lookup()
        ctx.lookups["facilities"] = facility_lookup()
        return ctx

    def display(self, key, value, ctx):
        if key == "kind" and value in Service.Kind.values:
            return str(Service.Kind(value).label)
        if key == "route" and value in Service.Route.values:
            return str(Service.Route(value).label)
        return super().display(key, value, ctx)

    def check(self, row, ctx):
        self._check_department(row, ctx)
        department = ctx.lookups["departments"][row["department_code"]]
        facility_code = row["facility_code"] or None
        row["facility_code"] = facility_code
        if facility_code:
            facility = ctx.lookups["facilities"].get(facility_code)
            if facility is None:
                raise RowError(
                    "facility_code",
                    _("No facility has the code %(code)s.") % {"code": facility_code},
                )
            if facility.department_id != department.pk:
                raise RowError(
                    "facility_code",
                    _("The facility %(code)s %(name)s belongs to another department.")
                    % {"code": facility.code, "name": facility.name},
                )
        elif row["kind"] == Service.Kind.ADMISSION:
            raise RowError(
                "facility_code", _("An admission fee is paid at a facility: give its code.")
            )


class FacilityKind(CatalogKind):
    """施設一覧: 施設コード is the natural key."""

    code = "facilities"
    title = "施設一覧"
    model = Facility
    key_columns = ("code",)
    permissions = ("catalog.add_facility", "catalog.change_facility")
    upsert = staticmethod(facility_upsert)
    orm_fields = ("code", "name", "operation_type", "department__code", "postal_code", "address")
    columns = [
        Column(
            "code",
            "施設コード",
            partial(values.code, length=4),
            example="0101",
            note=_("4 digits, leading zeros included; it identifies the facility."),
        ),
        Column(
            "name",
            "施設名",
            partial(values.text, max_length=100),
            example="出島",
            width=30,
        ),
        Column(
            "operation_type",
            "運営形態",
            partial(
                values.choice,
                options=_labelled_options(Facility.OperationType.choices)
                | {
                    "直営": Facility.OperationType.DIRECT,
                    "指定管理": Facility.OperationType.DESIGNATED,
                },
            ),
            example="直営",
            options=lambda: ["直営", "指定管理"],
        ),
        Column(
            "department_code",
            "部署コード",
            partial(values.code, length=3),
            example="171",
            note=_("The 3-digit code of the department that runs the facility."),
        ),
        Column(
            "postal_code",
            "郵便番号",
            postal_code,
            example="850-0862",
            required=False,
        ),
        Column(
            "address",
            "所在地",
            partial(values.text, max_length=200, required=False),
            example="長崎市出島町6-1",
            required=False,
            width=36,
        ),
    ]

    def context(self, user, all_departments, department_ids):
        ctx = Context(user, all_departments, department_ids)
        ctx.lookups["departments"] = department_lookup()
        return ctx

    def display(self, key, value, ctx):
        if key == "operation_type" and value in Facility.OperationType.values:
            return {"direct": "直営", "designated": "指定管理"}[value]
        return super().display(key, value, ctx)

    def check(self, row, ctx):
        self._check_department(row, ctx)
