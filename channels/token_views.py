"""Admin screens for integrator tokens: list, issue (shown once), revoke."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic

from channels.forms import IntegratorTokenForm
from channels.services import api_token_issue, api_token_revoke


class ScopesColumn(Column):
    def get_value(self, instance):
        labels = dict(instance.Scope.choices)
        return "、".join(str(labels.get(scope, scope)) for scope in instance.scopes)


class TokenIndexView(generic.IndexView):
    @cached_property
    def columns(self):
        return [
            self._get_title_column_class(TitleColumn)(
                "name", label=_("Integrator"), accessor="token.name", get_url=self.get_edit_url
            ),
            Column("prefix", label=_("Token"), accessor="token.prefix"),
            ScopesColumn("scopes", label=_("Scopes")),
            Column("expires_at", label=_("Valid until")),
            Column("last_used", label=_("Last used"), accessor="token.last_used_at"),
            Column("revoked", label=_("Revoked"), accessor="token.revoked_at"),
        ]

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("token").order_by("-token__created")

    def get_list_more_buttons(self, instance):
        """The row's delete action revokes: the row stays, for the record."""
        buttons = super().get_list_more_buttons(instance)
        delete_url = self.get_delete_url(instance)
        for button in buttons:
            if button.url == delete_url:
                button.label = _("Revoke")
        return buttons


class TokenIssueView(generic.CreateView):
    """Issue a token and show it once; only its digest is stored."""

    def get_form_class(self):
        return IntegratorTokenForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        return kwargs

    def form_valid(self, form):
        access, plaintext = api_token_issue(
            name=form.cleaned_data["name"],
            user=self.request.user,
            scopes=form.cleaned_data["scopes"],
            expires_at=form.expires_at(),
        )
        self.object = access
        context = self.get_context_data(
            token=plaintext, access=access, form=form, expires_on=form.cleaned_data["expires_on"]
        )
        context["page_title"] = context["header_title"] = _("Token issued")
        return TemplateResponse(self.request, "channels/token_issued.html", context)


class TokenEditView(generic.EditView):
    """Only the expiry can change (to extend or shorten a token's life)."""

    delete_item_label = _("Revoke")


class TokenRevokeView(generic.DeleteView):
    """Revoking keeps the row, so who used which token stays on record."""

    page_title = _("Revoke")
    # Wagtail's own revoke confirmation: "Yes, revoke", not "Yes, delete".
    template_name = "wagtailusers/api_tokens/confirm_revoke.html"

    def get_usage_url(self):
        return None  # a token is referenced by nothing: "used 0 times" would say nothing

    @property
    def confirmation_message(self):
        return _("Revoke this token? Requests with it are refused from now on.")

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        api_token_revoke(access=self.object, user=request.user)
        messages.success(request, _("Token '%(name)s' revoked.") % {"name": self.object.token.name})
        return redirect(self.get_success_url())
