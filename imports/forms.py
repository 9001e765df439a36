"""Forms of the import screens."""

from django import forms
from django.utils.translation import gettext_lazy as _

from imports.services import importable_kind_choices


class UploadForm(forms.Form):
    """Which ledger, and the workbook."""

    kind = forms.ChoiceField(label=_("Ledger kind"))
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
        help_text=_("Nothing is imported until you have reviewed the preview and confirmed."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = importable_kind_choices(user)


class ConfirmForm(forms.Form):
    """Confirm an import; with invalid rows, only by choosing to skip them."""

    skip_invalid = forms.BooleanField(
        label=_("Import the valid rows and skip the invalid ones"), required=False
    )
