"""The city's catalog: who owes the city what, where, and which department answers for it.

Departments own facilities and services; a service is anything a resident pays the city
(a certificate fee, an admission fee, a tax, a premium, rent, water). Every record keeps
revisions, so its history shows who changed what and when.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.models import RevisionMixin

from catalog.fiscal import fiscal_year_label


def code_field(verbose_name, length):
    """A unique code of exactly ``length`` digits, kept as text so leading zeros survive."""
    return models.CharField(
        verbose_name,
        max_length=length,
        unique=True,
        validators=[digits_validator(length)],
        help_text=format_lazy(
            _("{length} half-width digits, leading zeros included. Other systems use it."),
            length=length,
        ),
    )


def digits_validator(length):
    """A validator for a code of exactly ``length`` digits (leading zeros are significant)."""
    return RegexValidator(
        rf"^[0-9]{{{length}}}$",
        message=format_lazy(
            _("Enter exactly {length} half-width digits, e.g. {example}."),
            length=length,
            example="0" * (length - 1) + "1",
        ),
        code="code_format",
    )


class CatalogRecord(RevisionMixin, models.Model):
    """Common to catalog records: a code, revisions for history, and timestamps.

    Each concrete model declares ``_revisions`` (its own ``related_query_name``).
    """

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def revisions(self):
        return self._revisions


class Department(CatalogRecord):
    """A department or section (部局・課) of the city; the unit of permission scoping.

    ``administrators`` are the staff bound to it: members of the department administrator
    group see and change only the facilities and services of their own departments.
    """

    code = code_field(_("department code"), 3)
    name = models.CharField(_("department name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    administrators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("department administrators"),
        blank=True,
        related_name="administered_departments",
        help_text=_("Staff of the department administrator role who look after this one."),
    )
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="department")

    class Meta:
        ordering = ["code"]
        permissions = [
            ("view_all_departments", _("Can see and act on the records of every department")),
        ]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def clean(self):
        if self.parent_id and self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A department cannot be its own parent.")})


class Facility(CatalogRecord):
    """A facility (施設) with a payment counter, run by the city or by a designated manager."""

    class OperationType(models.TextChoices):
        DIRECT = "direct", _("Directly operated")
        DESIGNATED = "designated", _("Designated manager")

    code = code_field(_("facility code"), 4)
    name = models.CharField(_("facility name"), max_length=100)
    operation_type = models.CharField(
        _("operation type"), max_length=12, choices=OperationType.choices
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="facilities",
    )
    postal_code = models.CharField(
        _("postal code"),
        max_length=8,
        blank=True,
        validators=[
            RegexValidator(
                r"^[0-9]{3}-[0-9]{4}$",
                message=_("Enter the postal code as 850-8685."),
                code="postal_code",
            )
        ],
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_sample = models.BooleanField(
        _("sample data"),
        default=False,
        help_text=_("Demo record: the name may be realistic, the figures are not."),
    )
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="facility")

    class Meta:
        ordering = ["department__code", "code"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def __str__(self):
        label = f"{self.code} {self.name}"
        if not self.is_sample:
            return label
        sample_marker = _("(sample)")
        return f"{label} {sample_marker}"


class Service(CatalogRecord):
    """Something residents pay the city (収納対象): a fee, a charge, a tax or a premium.

    The payment route decides which payment methods can ever apply to it: at a counter,
    by payment slip, or inside an e-application.
    """

    class Kind(models.TextChoices):
        CERTIFICATE_FEE = "certificate_fee", _("Certificate fee")
        ADMISSION = "admission", _("Admission fee")
        TAX = "tax", _("Tax")
        PREMIUM = "premium", _("Insurance premium")
        CHILDCARE = "childcare", _("Childcare fee")
        RENT = "rent", _("Rent")
        WATER = "water", _("Water charge")
        SEWER = "sewer", _("Sewer charge")
        USAGE_FEE = "usage_fee", _("Usage fee")
        OTHER_FEE = "other_fee", _("Other fee")

    class Route(models.TextChoices):
        COUNTER = "counter", _("Counter payment")
        SLIP = "slip", _("Payment slip")
        E_APPLICATION = "e_application", _("E-application")

    code = code_field(_("service code"), 5)
    name = models.CharField(_("service name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    route = models.CharField(_("payment route"), max_length=20, choices=Route.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
        help_text=_("Where it is paid at a counter; leave empty for slips and e-applications."),
    )
    standard_amount = models.PositiveIntegerField(
        _("standard amount (yen)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(99_999_999)],
        help_text=_("Whole yen, e.g. 300. Leave empty when the amount differs per payer."),
    )
    notes = models.TextField(_("notes"), blank=True)
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="service")

    class Meta:
        ordering = ["department__code", "code"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    @admin.display(description=_("standard amount"), ordering="standard_amount")
    def amount_label(self):
        """The standard amount as staff write it, e.g. ¥1,200; a dash when it varies."""
        if self.standard_amount is None:
            return "—"
        return f"¥{self.standard_amount:,}"

    def clean(self):
        errors = {}
        if (
            self.facility_id
            and self.department_id
            and self.facility.department_id != self.department_id
        ):
            errors["facility"] = _(
                "The facility %(facility)s belongs to another department (%(department)s)."
            ) % {"facility": self.facility, "department": self.facility.department}
        if self.kind == self.Kind.ADMISSION and not self.facility_id:
            errors["facility"] = _("An admission fee is paid at a facility: choose it.")
        if errors:
            raise ValidationError(errors)


class ReportedFigure(models.Model):
    """A cashless-payment figure the city's policy reports for one fiscal year.

    The policy gives totals, not per-service rows, so they are kept as reported (with how
    many months they cover) for the KPI dashboard to compare against.
    """

    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    scope = models.CharField(_("scope"), max_length=100)
    months = models.PositiveSmallIntegerField(
        _("months covered"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    payment_count = models.PositiveIntegerField(_("cashless payments"))
    amount = models.PositiveBigIntegerField(_("amount (yen)"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["fiscal_year", "scope"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "scope"], name="unique_figure_scope")
        ]
        verbose_name = _("reported figure")
        verbose_name_plural = _("reported figures")

    def __str__(self):
        return f"{fiscal_year_label(self.fiscal_year)} {self.scope}"

    @admin.display(description=_("fiscal year"), ordering="fiscal_year")
    def fiscal_year_label(self):
        """``令和3年度 (2021)``: the era label staff use, with the Western year."""
        return fiscal_year_label(self.fiscal_year, with_western=True)

    @admin.display(description=_("cashless payments"), ordering="payment_count")
    def payment_count_label(self):
        return f"{self.payment_count:,}"

    @admin.display(description=_("amount (yen)"), ordering="amount")
    def amount_label(self):
        return f"¥{self.amount:,}"


class Assessment(models.Model):
    """What a receivable was assessed at for one fiscal year (調定額): the amount residents
    owe the city for it that year.

    The collection rate (収納率) divides what was collected in the fiscal year by this; a
    service without an assessment (a counter fee paid on the spot) has no collection rate.
    Departments import it with the assessment ledger (調定額).
    """

    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    amount = models.PositiveBigIntegerField(
        _("assessed amount (yen)"), validators=[MinValueValidator(1)]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["fiscal_year", "service__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "fiscal_year"], name="one_assessment_per_year"
            )
        ]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self):
        return f"{fiscal_year_label(self.fiscal_year)} {self.service_id}"
