"""Payment methods, the channels a service accepts them through, and what integrators see.

* :class:`PaymentMethod` — the ways of paying the city: nine a channel can switch on and
  cash at a counter, which collection results record; which payment routes each fits and
  how the KPIs count it (:class:`PaymentClass`) are data (seeded after every ``migrate``,
  see :mod:`channels.setup`), and a channel is refused for a route its method does not
  fit.
* :class:`ServiceChannel` — one method switched on for one service, with the configuration
  that method needs. It is a Wagtail snippet with drafts, revisions, a moderation workflow,
  locking and scheduled publishing; its database row holds the *published* content while it
  is live (Wagtail keeps later drafts in revisions), and only live rows reach the API.
* :class:`ChannelEvent` — the change feed: every publish, unpublish and expiry, numbered in
  commit order so a poller that remembers the last number misses nothing.
* :class:`IntegratorAccess` — the scopes and expiry of an integrator's API token (the token
  itself is Wagtail's :class:`~wagtail.models.APIToken`: shown once, stored as a digest).
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    WorkflowMixin,
)

from catalog.models import Service
from channels.configuration import ConfigKind, ConfigurationFields


class PaymentClass(models.TextChoices):
    """What kind of payment a method is, as the KPIs count it.

    The policy's cashless figures (and the national 40% target) count cards, electronic
    money and code payments only; convenience-store payment is cash paid at a shop, and
    bank transfer and Pay-easy are paid from an account. All three of those are still
    paid *outside the counter* (窓口以外), the policy's other figure. Cash at a counter
    is recorded as a method too, so a share has every payment as its denominator.
    """

    CASH = "cash", _("Cash at a counter")
    CONVENIENCE_STORE = "convenience_store", _("Convenience-store payment")
    ACCOUNT = "account", _("Bank transfer and Pay-easy")
    CASHLESS = "cashless", _("Cashless payment")


#: Methods a channel may use: cash is recorded in collection results but never switched on.
CHANNEL_METHODS = ~models.Q(payment_class=PaymentClass.CASH)

#: The classes a method of each configuration kind may be counted in. A counter terminal
#: is always cashless; a barcode may be paid at a shop or by a phone app; a method without
#: a configuration is cash. Changing a class recounts every year's figures, so it stays
#: within what the method can be.
CLASSES_OF_KIND = {
    ConfigKind.TERMINAL: [PaymentClass.CASHLESS],
    ConfigKind.JPQR: [PaymentClass.CASHLESS],
    ConfigKind.ONLINE: [PaymentClass.CASHLESS],
    ConfigKind.SLIP_BARCODE: [PaymentClass.CONVENIENCE_STORE, PaymentClass.CASHLESS],
    ConfigKind.PAY_EASY: [PaymentClass.ACCOUNT, PaymentClass.CASHLESS],
    ConfigKind.BANK_TRANSFER: [PaymentClass.ACCOUNT],
    "": [PaymentClass.CASH],
}


class PaymentMethod(models.Model):
    """A way of paying the city (決済手段), the payment routes it fits and its class.

    Cash methods (:attr:`PaymentClass.CASH`) exist only so collection results can record
    cash payments: they have no configuration kind and can never be a channel.
    """

    code = models.SlugField(_("method code"), max_length=30, unique=True)
    name = models.CharField(_("method name"), max_length=60)
    payment_class = models.CharField(
        _("payment class"),
        max_length=20,
        choices=PaymentClass.choices,
        default=PaymentClass.CASHLESS,
        help_text=_("How the KPIs count it: cash, convenience store, account or cashless."),
    )
    config_kind = models.CharField(
        _("configuration kind"), max_length=20, choices=ConfigKind.choices, blank=True
    )
    for_counter = models.BooleanField(_("counter payment"), default=False)
    for_slip = models.BooleanField(_("payment slip"), default=False)
    for_e_application = models.BooleanField(_("e-application"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")

    def __str__(self):
        return self.name

    @property
    def is_cash(self):
        return self.payment_class == PaymentClass.CASH

    def clean(self):
        allowed = CLASSES_OF_KIND.get(self.config_kind, [])
        if self.payment_class not in allowed:
            raise ValidationError(
                {
                    "payment_class": _("%(method)s can only be counted as %(classes)s.")
                    % {
                        "method": self.name,
                        "classes": "・".join(str(PaymentClass(c).label) for c in allowed),
                    }
                }
            )

    def fits_route(self, route):
        """Whether this method can be offered for a service paid by ``route``."""
        return {
            Service.Route.COUNTER: self.for_counter,
            Service.Route.SLIP: self.for_slip,
            Service.Route.E_APPLICATION: self.for_e_application,
        }.get(route, False)

    @property
    def routes(self):
        """The payment routes this method fits, as codes."""
        return [route for route in Service.Route.values if self.fits_route(route)]

    @property
    def route_labels(self):
        """The routes this method fits, as staff read them."""
        return [Service.Route(route).label for route in self.routes]


class ServiceChannel(
    WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, ConfigurationFields
):
    """One payment method switched on for one service (決済チャネル), with its settings.

    Department administrators draft and submit it; finance approves and publishes it, now
    or at ``go_live_at``; ``expire_at`` switches it off again. Which configuration fields
    apply depends on the method's :class:`~channels.configuration.ConfigKind`.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        EXPIRED = "expired", _("Expired")

    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="channels",
    )
    method = models.ForeignKey(
        PaymentMethod,
        verbose_name=_("payment method"),
        on_delete=models.PROTECT,
        related_name="channels",
        limit_choices_to=CHANNEL_METHODS,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="servicechannel")

    class Meta:
        ordering = ["service__code", "method__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["service", "method"], name="one_channel_per_method")
        ]
        verbose_name = _("payment channel")
        verbose_name_plural = _("payment channels")

    def __str__(self):
        return f"{self.service.code} {self.service.name} / {self.method.name}"

    @property
    def revisions(self):
        return self._revisions

    @property
    def config_kind(self):
        return self.method.config_kind if self.method_id else None

    @property
    def status(self):
        """Where the channel stands, as the panel and the listing show it."""
        if self.live:
            return self.Status.PUBLISHED
        if self.workflow_in_progress:
            return self.Status.IN_REVIEW
        if self.expired:
            return self.Status.EXPIRED
        if self.go_live_at and self.go_live_at > timezone.now() and self.scheduled_revision:
            return self.Status.SCHEDULED
        return self.Status.DRAFT

    def get_status_display(self):
        return self.Status(self.status).label

    @admin.display(description=_("status"))
    def status_label(self):
        return self.get_status_display()

    def clean(self):
        super().clean()
        self.clean_configuration(service=self.service if self.service_id else None)


class ChannelEvent(models.Model):
    """One entry of the integrators' change feed: a channel went live, off, or expired.

    ``cursor`` numbers events in commit order (see :func:`channels.services.record_event`);
    the service code and method code are copied so the entry outlives the channel.
    """

    class Action(models.TextChoices):
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")
        EXPIRED = "expired", _("Expired")

    cursor = models.PositiveBigIntegerField(_("cursor"), unique=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    channel = models.ForeignKey(
        ServiceChannel,
        verbose_name=_("payment channel"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    service_code = models.CharField(_("service code"), max_length=5, db_index=True)
    method_code = models.CharField(_("method code"), max_length=30)

    class Meta:
        ordering = ["cursor"]
        verbose_name = _("channel event")
        verbose_name_plural = _("channel events")

    def __str__(self):
        return f"#{self.cursor} {self.service_code}/{self.method_code} {self.action}"


class FeedHead(models.Model):
    """The last cursor handed out. Its row is locked while an event is written, so events
    commit in cursor order and a poller never sees number 8 before number 7 exists."""

    last_cursor = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"#{self.last_cursor}"


class IntegratorAccess(models.Model):
    """What one integrator's API token may do: its scopes and when it stops working."""

    class Scope(models.TextChoices):
        CHANNELS_READ = "channels:read", _("Read services, channels and the change feed")
        ASSETS_READ = "assets:read", _("Download QR codes and barcodes")

    token = models.OneToOneField(
        "wagtailcore.APIToken",
        verbose_name=_("API token"),
        on_delete=models.CASCADE,
        related_name="integrator_access",
    )
    scopes = models.JSONField(_("scopes"), default=list)
    expires_at = models.DateTimeField(_("expires at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("integrator token")
        verbose_name_plural = _("integrator tokens")

    def __str__(self):
        return str(self.token)

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()


class CollectionRecord(models.Model):
    """What one payment method collected for one service in one month (収納実績).

    Staff import these monthly from the collection agents' reports; the KPI dashboard
    reads cashless share, amounts and on-time rates from them. ``(service, method,
    period)`` is the natural key: the first day of the month stands for the month.
    """

    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="collections",
    )
    method = models.ForeignKey(
        PaymentMethod,
        verbose_name=_("payment method"),
        on_delete=models.PROTECT,
        related_name="collections",
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month."))
    payment_count = models.PositiveIntegerField(_("payments"))
    amount = models.PositiveBigIntegerField(_("amount (yen)"))
    on_time_count = models.PositiveIntegerField(_("paid on time"))
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-period", "service__code", "method__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "method", "period"], name="one_record_per_month_and_method"
            ),
            models.CheckConstraint(
                condition=models.Q(on_time_count__lte=models.F("payment_count")),
                name="on_time_within_payments",
            ),
        ]
        verbose_name = _("collection record")
        verbose_name_plural = _("collection records")

    def __str__(self):
        return f"{self.period:%Y-%m} {self.service_id}/{self.method_id}"


class PaymentSlip(models.Model):
    """A payment slip (納付書) the city sent, with what is printed on it.

    ``barcode_data`` (the 44 convenience-store digits) is computed when the slip ledger is
    committed, from the service's *published* convenience-store channel; it stays empty
    when the service has none or the amount is over the channel's ceiling
    (``barcode_note`` says which). ``el_qr`` is the eL-QR payload exactly as the tax
    system supplied it: its format is not public, so it is never made up here.
    """

    slip_number = models.CharField(_("slip number"), max_length=20, unique=True)
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="slips",
    )
    payer_number = models.CharField(_("payer number"), max_length=20)
    amount = models.PositiveIntegerField(_("amount (yen)"))
    due_date = models.DateField(_("due date"))
    reissue_count = models.PositiveSmallIntegerField(_("reissue count"), default=0)
    confirmation_number = models.CharField(_("confirmation number"), max_length=20, blank=True)
    el_qr = models.TextField(_("eL-QR"), blank=True)
    barcode_data = models.CharField(_("barcode data"), max_length=44, blank=True)
    barcode_note = models.CharField(_("why there is no barcode"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["slip_number"]
        verbose_name = pgettext_lazy("model", "payment slip")
        verbose_name_plural = _("payment slips")

    def __str__(self):
        return self.slip_number
