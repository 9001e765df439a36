"""What each kind of payment method needs to be configured, and how it is checked.

A channel's method decides its :class:`ConfigKind`; :data:`KIND_FIELDS` says which fields
that kind requires and allows. Each field checks its own format (with a Japanese message);
:meth:`ConfigurationFields.clean_configuration` checks what spans fields, requires what the
kind needs and empties what it does not use, so a stale value never reaches integrators.
"""

import re
import unicodedata
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
)
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import digits_validator
from channels import assets
from channels.assets import FREE_FIELD_LENGTH, AssetError


class ConfigKind(models.TextChoices):
    TERMINAL = "terminal", _("Counter terminal")
    JPQR = "jpqr", _("User-scan QR (JPQR)")
    SLIP_BARCODE = "slip_barcode", _("Convenience-store barcode")
    PAY_EASY = "pay_easy", _("Pay-easy")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    ONLINE = "online", _("Online payment")


class SettlementCycle(models.TextChoices):
    MONTHLY = "monthly", _("Once a month")
    SEMIMONTHLY = "semimonthly", _("Twice a month")
    WEEKLY = "weekly", _("Once a week")


class DeadlineRule(models.TextChoices):
    DUE_DATE = "due_date", _("The slip's due date")
    DUE_DATE_PLUS_DAYS = "due_date_plus_days", _("The due date plus a number of days")
    NONE = "none", _("No handling deadline (999999)")


_ALNUM = RegexValidator(
    r"^[0-9A-Za-z-]+$",
    message=_("Use half-width letters, digits and hyphens only."),
    code="alnum",
)

# Which fields each kind requires, and which it may use; all other fields are emptied.
KIND_FIELDS = {
    ConfigKind.TERMINAL: {
        "required": ["merchant_id", "terminal_ids", "fee_rate", "settlement_cycle"],
        "optional": [],
    },
    ConfigKind.JPQR: {
        "required": [
            "jpqr_store_id",
            "mcc",
            "merchant_name",
            "merchant_city",
            "merchant_postal_code",
            "fee_rate",
            "settlement_cycle",
        ],
        "optional": ["merchant_name_ja"],
    },
    ConfigKind.SLIP_BARCODE: {
        "required": [
            "agent_company_code",
            "agent_city_code",
            "slip_number_digits",
            "deadline_rule",
            "amount_ceiling",
        ],
        "optional": ["deadline_days"],
    },
    ConfigKind.PAY_EASY: {
        "required": ["payeasy_institution_code", "payeasy_payment_category"],
        "optional": [],
    },
    ConfigKind.BANK_TRANSFER: {"required": ["consignor_code"], "optional": []},
    ConfigKind.ONLINE: {
        "required": ["payment_url", "fee_rate", "settlement_cycle"],
        "optional": [],
    },
}
CONFIG_FIELDS = sorted(
    {name for spec in KIND_FIELDS.values() for group in spec.values() for name in group}
)


def fields_for(kind):
    """The configuration fields a kind uses, required first, in a stable order."""
    spec = KIND_FIELDS[ConfigKind(kind)]
    return [*spec["required"], *spec["optional"]]


def unused_fields(kind):
    """The configuration fields a kind does not use (hidden on its form, emptied on save)."""
    return sorted(set(CONFIG_FIELDS) - set(fields_for(kind)))


class ConfigurationFields(models.Model):
    """The configuration of every kind of method, as fields of a channel."""

    # Counter terminals (card, e-money, store-scan QR) and fees
    merchant_id = models.CharField(
        _("merchant ID"),
        max_length=32,
        blank=True,
        validators=[_ALNUM],
        help_text=_("The city's merchant ID at the payment provider."),
    )
    terminal_ids = models.TextField(
        _("terminal IDs"),
        blank=True,
        help_text=_("One terminal ID per line (half-width letters, digits and hyphens)."),
    )
    fee_rate = models.DecimalField(
        _("fee rate (%)"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
        help_text=_("The provider's fee in percent, e.g. 3.24 (0 to 10)."),
    )
    settlement_cycle = models.CharField(
        _("settlement cycle"), max_length=12, blank=True, choices=SettlementCycle.choices
    )
    # User-scan QR (JPQR, merchant-presented)
    jpqr_store_id = models.CharField(
        _("JPQR store ID"),
        max_length=120,
        blank=True,
        help_text=_(
            "The store ID parts assigned by the payments council, separated by hyphens "
            "(one to four parts)."
        ),
    )
    mcc = models.CharField(
        _("MCC"),
        max_length=4,
        blank=True,
        validators=[digits_validator(4)],
        help_text=_("Merchant category code, 4 digits (9399 for government services)."),
    )
    merchant_name = models.CharField(
        _("merchant name (Latin letters)"),
        max_length=25,
        blank=True,
        help_text=_("As payment apps show it, e.g. NAGASAKI CITY DEJIMA."),
    )
    merchant_name_ja = models.CharField(_("merchant name (Japanese)"), max_length=25, blank=True)
    merchant_city = models.CharField(
        _("merchant city (Latin letters)"),
        max_length=15,
        blank=True,
        help_text=_("e.g. Nagasaki"),
    )
    merchant_postal_code = models.CharField(
        _("merchant postal code"),
        max_length=7,
        blank=True,
        validators=[digits_validator(7)],
    )
    # Convenience-store barcode (and smartphone payment of the same slip)
    agent_company_code = models.CharField(
        _("collection agent company code"),
        max_length=6,
        blank=True,
        validators=[digits_validator(6)],
        help_text=_("Six digits, assigned by GS1 Japan to the collection agent."),
    )
    agent_city_code = models.CharField(
        _("city code at the agent"),
        max_length=10,
        blank=True,
        validators=[
            RegexValidator(
                r"^[0-9]{1,10}$", message=_("Enter 1 to 10 half-width digits."), code="digits"
            )
        ],
        help_text=_("The first digits of the 21-digit free field."),
    )
    slip_number_digits = models.PositiveSmallIntegerField(
        _("slip number digits"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_(
            "How many digits of the free field follow the city code and carry the slip "
            "number (the rest is padded with zeros)."
        ),
    )
    deadline_rule = models.CharField(
        _("barcode handling deadline"), max_length=20, blank=True, choices=DeadlineRule.choices
    )
    deadline_days = models.PositiveSmallIntegerField(
        _("days after the due date"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    amount_ceiling = models.PositiveIntegerField(
        _("amount ceiling (yen)"),
        null=True,
        blank=True,
        default=assets.DEFAULT_AMOUNT_CEILING,
        validators=[MinValueValidator(1), MaxValueValidator(assets.BARCODE_AMOUNT_MAX)],
        help_text=_("Slips above this amount carry no barcode (the city's rule: ¥300,000)."),
    )
    # Pay-easy
    payeasy_institution_code = models.CharField(
        _("Pay-easy institution number"),
        max_length=5,
        blank=True,
        validators=[digits_validator(5)],
    )
    payeasy_payment_category = models.CharField(
        _("Pay-easy payment category"),
        max_length=3,
        blank=True,
        validators=[digits_validator(3)],
    )
    # Bank transfer
    consignor_code = models.CharField(
        _("consignor code"),
        max_length=10,
        blank=True,
        validators=[digits_validator(10)],
        help_text=_("The city's consignor code for direct debit, 10 digits."),
    )
    # Online payment in the e-application service
    payment_url = models.URLField(
        _("payment URL"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["https"], message=_("Enter a full https:// address."))],
    )

    class Meta:
        abstract = True

    @property
    def terminal_id_list(self):
        return [line.strip() for line in self.terminal_ids.splitlines() if line.strip()]

    @property
    def jpqr_store_id_parts(self):
        return [part for part in self.jpqr_store_id.split("-") if part]

    def configuration(self):
        """The configuration of this channel's kind, as integrators receive it."""
        values = {}
        for name in fields_for(self.config_kind):
            value = getattr(self, name)
            if name == "terminal_ids":
                value = self.terminal_id_list
            elif name == "jpqr_store_id":
                value = self.jpqr_store_id_parts
            elif isinstance(value, Decimal):
                value = str(value)
            values[name] = value
        return values

    def empty_unused_fields(self):
        """Empty every configuration field the method's kind does not use, and the days
        after the due date unless the deadline rule counts them."""
        if not self.config_kind:
            return
        for name in unused_fields(self.config_kind):
            setattr(self, name, None if self._meta.get_field(name).null else "")
        if self.deadline_rule != DeadlineRule.DUE_DATE_PLUS_DAYS:
            self.deadline_days = None

    def normalise_text_fields(self):
        """Full-width letters and digits as a Japanese IME types them (９１２３４５) become
        half-width, and surrounding spaces (full-width too) go."""
        for name in CONFIG_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, unicodedata.normalize("NFKC", value).strip())

    def clean_fields(self, exclude=None):
        # Empty first: the admin hides the other kinds' fields, so a stale value there must
        # not block saving with an error nobody can see.
        self.empty_unused_fields()
        self.normalise_text_fields()
        super().clean_fields(exclude=exclude)

    def clean_configuration(self, *, service):
        """Check the configuration against the method's kind and the service's route."""
        method = self.method if self.method_id else None
        if method is None:
            return
        if method.is_cash:
            raise ValidationError(
                {
                    "method": _(
                        "%(method)s is cash: it is recorded in collection results, never "
                        "switched on as a channel."
                    )
                    % {"method": method.name}
                }
            )
        if service is not None and not method.fits_route(service.route):
            raise ValidationError(
                {
                    "method": _("%(method)s cannot be used for %(route)s: it fits %(routes)s only.")
                    % {
                        "method": method.name,
                        "route": service.get_route_display(),
                        "routes": "・".join(str(label) for label in method.route_labels),
                    }
                }
            )
        # clean_fields() has emptied what the kind does not use.
        errors = {}
        for name in KIND_FIELDS[ConfigKind(method.config_kind)]["required"]:
            if getattr(self, name) in (None, ""):
                errors[name] = _("Required for %(method)s.") % {"method": method.name}
        errors.update(self._cross_field_errors(method.config_kind))
        if errors:
            raise ValidationError(errors)

    def _cross_field_errors(self, kind):
        errors = {}
        if kind == ConfigKind.TERMINAL and self.terminal_ids:
            ids = self.terminal_id_list
            bad = [value for value in ids if not re.fullmatch(r"[0-9A-Za-z-]{1,32}", value)]
            if bad:
                errors["terminal_ids"] = _(
                    "%(value)s is not a terminal ID: use up to 32 half-width letters, digits "
                    "and hyphens."
                ) % {"value": bad[0]}
            elif len(set(ids)) != len(ids):
                errors["terminal_ids"] = _("A terminal ID is listed twice.")
        if kind == ConfigKind.SLIP_BARCODE:
            if self.agent_city_code and self.slip_number_digits:
                total = len(self.agent_city_code) + self.slip_number_digits
                if total > FREE_FIELD_LENGTH:
                    errors["slip_number_digits"] = _(
                        "The city code and the slip number take %(total)d digits; the free "
                        "field has 21."
                    ) % {"total": total}
            if self.deadline_rule == DeadlineRule.DUE_DATE_PLUS_DAYS and not self.deadline_days:
                errors["deadline_days"] = _("Enter how many days after the due date.")
        if kind == ConfigKind.JPQR and not any(
            getattr(self, name) in (None, "") for name in KIND_FIELDS[kind]["required"]
        ):
            try:
                self.jpqr_static_payload()
            except AssetError as error:
                errors[JPQR_ASSET_FIELDS.get(error.field, "jpqr_store_id")] = error.message
        return errors

    def jpqr_static_payload(self):
        """The static JPQR payload of this configuration (the counter poster's QR)."""
        return assets.jpqr_payload(
            store_id_parts=self.jpqr_store_id_parts,
            mcc=self.mcc,
            merchant_name=self.merchant_name,
            merchant_city=self.merchant_city,
            postal_code=self.merchant_postal_code,
            merchant_name_ja=self.merchant_name_ja,
        )


# The generator's field names, mapped to the configuration fields that feed them.
JPQR_ASSET_FIELDS = {
    "store_id_parts": "jpqr_store_id",
    "mcc": "mcc",
    "merchant_name": "merchant_name",
    "merchant_name_ja": "merchant_name_ja",
    "merchant_city": "merchant_city",
    "postal_code": "merchant_postal_code",
}
