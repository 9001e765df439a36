"""Forms of the rollout screens: the wave's month fields, asking for a move, approving and
sending back. They only collect input; the rules are in :mod:`workflows.services`."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateTimeInput

from workflows.phases import Phase, allowed_moves


class MonthInput(forms.DateInput):
    """A month picker (``<input type="month">``) for a date field that stores the month's
    first day: ``2024-04`` arrives as ``2024-04-01``, which any date field reads."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{1,2}", value.strip()):
            year, month = value.strip().split("-")
            return f"{year}-{int(month):02d}-01"
        return value


class MoveRequestForm(forms.Form):
    """Ask to move a wave: where to, when, and why (and, for finance, why to go ahead
    although gates are not met)."""

    to_phase = forms.ChoiceField(label=_("Move to"), widget=forms.RadioSelect)
    effective_at = forms.DateTimeField(
        label=_("Takes effect at"),
        required=False,
        widget=AdminDateTimeInput(),
        help_text=_("Leave empty to take effect as soon as it is approved."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the wave has achieved and why it is ready for the next phase."),
    )
    override_reason = forms.CharField(
        label=_("Reason for going ahead without the gates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when some gates are not met. Finance only."),
    )

    def __init__(self, *args, plan, may_override, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_phase"].choices = [
            (phase, Phase(phase).label)
            for phase in allowed_moves(plan.phase, resume_phase=plan.resume_phase)
        ]
        if not may_override:
            del self.fields["override_reason"]


class ApproveForm(forms.Form):
    """One approver's yes, with an optional comment; when gates are not met and the request
    carries no reason to go ahead, the approver writes one."""

    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    override_reason = forms.CharField(
        label=_("Reason for going ahead without the gates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectForm(forms.Form):
    """Send the request back, saying why."""

    comment = forms.CharField(
        label=_("Why the request goes back"), widget=forms.Textarea(attrs={"rows": 2})
    )
