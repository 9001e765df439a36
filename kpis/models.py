"""Targets the KPI dashboard measures the city against (目標値).

A target is data, not code: the national cashless goal (40% by 2025) is seeded after
``migrate`` (see :mod:`kpis.setup`), and finance sets city-wide or per-service targets for
any indicator and year, keeping the earlier ones as history (who changed what is in
Wagtail's log, on each target's history page).
"""

from decimal import Decimal

from django.contrib import admin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.fiscal import fiscal_year_label
from catalog.models import Service


class Metric(models.TextChoices):
    """The indicators a target can be set for; :mod:`kpis.figures` defines each."""

    CASHLESS_SHARE_AMOUNT = "cashless_share_amount", _("Cashless share (by amount)")
    CASHLESS_SHARE_COUNT = "cashless_share_count", _("Cashless share (by count)")
    COLLECTION_RATE = "collection_rate", _("Collection rate")
    ON_TIME_RATE = "on_time_rate", _("On-time payment rate")


class Target(models.Model):
    """A goal for one indicator, to be reached by the end of ``fiscal_year``.

    Without a service it is city-wide; with one, it is that service's own goal and takes
    the city-wide one's place for it. For a given year the target that applies is the
    nearest one whose year has not passed (the goal being worked towards), or, once every
    year has passed, the latest (:func:`kpis.figures.applying_target`).
    """

    metric = models.CharField(_("indicator"), max_length=30, choices=Metric.choices)
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
        help_text=_("Leave empty for a city-wide target."),
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("target year"),
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The fiscal year by whose end it should be reached, e.g. 2025."),
    )
    percent = models.DecimalField(
        _("target (%)"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("100"))],
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("Where the target comes from, e.g. a plan or a council decision."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["metric", "service__code", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "service", "fiscal_year"],
                condition=models.Q(service__isnull=False),
                name="one_service_target_per_year",
                violation_error_message=_(
                    "This service already has a target for this indicator and year."
                ),
            ),
            models.UniqueConstraint(
                fields=["metric", "fiscal_year"],
                condition=models.Q(service__isnull=True),
                name="one_city_target_per_year",
                violation_error_message=_(
                    "There is already a city-wide target for this indicator and year."
                ),
            ),
        ]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self):
        return f"{self.get_metric_display()} {self.scope_label()} {self.year_label()}"

    @admin.display(description=_("indicator"), ordering="metric")
    def metric_label(self):
        return self.get_metric_display()

    @admin.display(description=_("applies to"), ordering="service__code")
    def scope_label(self):
        if self.service_id is None:
            return str(_("City-wide"))
        return f"{self.service.code} {self.service.name}"

    @admin.display(description=_("target year"), ordering="fiscal_year")
    def year_label(self):
        return fiscal_year_label(self.fiscal_year, with_western=True)

    @admin.display(description=_("target (%)"), ordering="percent")
    def percent_label(self):
        return f"{self.percent}%"
