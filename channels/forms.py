"""Admin forms for channels and integrator tokens."""

import datetime as dt
import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.forms import DepartmentScopedForm
from channels.configuration import unused_fields
from channels.models import IntegratorAccess, PaymentMethod


class ServiceChannelForm(DepartmentScopedForm):
    """A channel's form: services of the user's departments only, and the method's kind
    on each option so the form shows only the settings that method needs."""

    class Media:
        js = ["channels/js/channel-form.js"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = dict(PaymentMethod.objects.values_list("pk", "config_kind"))
        self.fields["method"].widget.attrs["data-method-kinds"] = json.dumps(
            {str(pk): kind for pk, kind in kinds.items()}
        )

    def clean(self):
        """A field the chosen method does not use is hidden on the form and emptied on save
        (see ``ConfigurationFields.empty_unused_fields``), so a leftover value in it must
        not block saving with an error nobody can see."""
        cleaned_data = super().clean()
        method = cleaned_data.get("method")
        if method is not None:
            for name in unused_fields(method.config_kind):
                self._errors.pop(name, None)
        return cleaned_data


def _default_expiry():
    return (timezone.localdate() + dt.timedelta(days=365)).isoformat()


class IntegratorTokenForm(forms.Form):
    """What a system administrator fills in to issue a token."""

    name = forms.CharField(
        label=_("Integrator"),
        max_length=255,
        help_text=_("Who will use it, e.g. 基幹税務システム or 印刷業者 (株)〇〇."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=IntegratorAccess.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[IntegratorAccess.Scope.CHANNELS_READ],
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        initial=_default_expiry,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The token stops working at the end of this day."),
    )

    def clean_expires_on(self):
        value = self.cleaned_data["expires_on"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return value

    def expires_at(self):
        """The end of the chosen day, in the city's time zone."""
        day_after = self.cleaned_data["expires_on"] + dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(day_after, dt.time.min))
