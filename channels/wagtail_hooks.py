"""Channels in the Wagtail admin: filter set → viewsets → registration; the 決済チャネル
panel on a service's page; the asset views; integrator tokens."""

import django_filters
from django import forms
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList, PublishingPanel
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from catalog.scoped_views import DepartmentScopedSnippetViewSet
from catalog.selectors import departments_offered
from channels import admin_views
from channels.configuration import ConfigKind, fields_for
from channels.forms import ServiceChannelForm
from channels.models import CHANNEL_METHODS, IntegratorAccess, PaymentMethod, ServiceChannel
from channels.panels import channel_assets_panel, service_channels_panel
from channels.selectors import ListingStatus, with_listing_status, with_status
from channels.token_views import (
    TokenEditView,
    TokenIndexView,
    TokenIssueView,
    TokenRevokeView,
)


class ServiceChannelFilterSet(WagtailFilterSet):
    department = django_filters.ModelChoiceFilter(
        label=_("department"), field_name="service__department", queryset=departments_offered
    )
    method = django_filters.ModelChoiceFilter(
        label=_("payment method"), queryset=PaymentMethod.objects.filter(CHANNEL_METHODS)
    )
    status = django_filters.ChoiceFilter(
        label=_("status"), choices=ListingStatus.choices, method="filter_status"
    )

    class Meta:
        model = ServiceChannel
        fields = []

    def filter_status(self, queryset, name, value):
        return with_listing_status(queryset, value)


# Fields several kinds share get one panel of their own: a form field renders only once.
SHARED_FIELDS = ["fee_rate", "settlement_cycle"]


def _config_panels():
    """One panel per configuration kind, plus the shared fee panel; each names the kinds
    it serves, so the form shows only what the chosen method needs."""
    panels = []
    for kind in ConfigKind.values:
        names = [name for name in fields_for(kind) if name not in SHARED_FIELDS]
        if names:
            panels.append(
                MultiFieldPanel(
                    [FieldPanel(name) for name in names],
                    heading=ConfigKind(kind).label,
                    attrs={"data-config-kind": kind},
                )
            )
    sharing = [kind for kind in ConfigKind.values if SHARED_FIELDS[0] in fields_for(kind)]
    panels.append(
        MultiFieldPanel(
            [FieldPanel(name) for name in SHARED_FIELDS],
            heading=_("Fees and settlement"),
            attrs={"data-config-kind": " ".join(sharing)},
        )
    )
    return panels


class ChannelCreateView(SnippetViewSet.add_view_class):
    """ "Add a payment channel" on a service's page comes with that service chosen."""

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("service", "").isdigit():
            initial["service"] = int(self.request.GET["service"])
        return initial


class ServiceChannelViewSet(DepartmentScopedSnippetViewSet):
    """Payment channels: drafted by departments, approved and published by finance."""

    model = ServiceChannel
    icon = "credit-card"
    # A channel's own page (edit, with its preview and history) says everything; the
    # generic inspect page would list Wagtail's internal fields.
    inspect_view_enabled = False
    menu_label = _("Payment channels")
    menu_order = 150
    add_to_admin_menu = True
    list_display = ["service", "method", "status_label", "last_published_at"]
    list_export = ["service", "method", "status_label", "first_published_at", "last_published_at"]
    export_filename = "payment-channels"
    filterset_class = ServiceChannelFilterSet
    search_fields = ["service__code", "service__name", "method__name"]
    search_backend_name = None
    ordering = ["service__code", "method__sort_order"]
    list_per_page = 50
    add_view_class = ChannelCreateView
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("service", widget=forms.Select),
                    FieldPanel("method", widget=forms.Select),
                ],
                heading=_("Service and payment method"),
            ),
            *_config_panels(),
            channel_assets_panel(),
            PublishingPanel(),
        ],
        base_form_class=ServiceChannelForm,
    )

    def get_queryset(self, request):
        return with_status(ServiceChannel.objects.all())


class PaymentMethodViewSet(ModelViewSet):
    """The payment methods and the routes each fits (system administrators)."""

    model = PaymentMethod
    icon = "list-ul"
    menu_label = _("Payment methods")
    add_to_settings_menu = True
    list_display = [
        "name",
        "code",
        "payment_class",
        "config_kind",
        BooleanColumn("for_counter", label=_("counter payment")),
        BooleanColumn("for_slip", label=_("payment slip")),
        BooleanColumn("for_e_application", label=_("e-application")),
    ]
    form_fields = [
        "name",
        "payment_class",
        "for_counter",
        "for_slip",
        "for_e_application",
        "sort_order",
    ]
    copy_view_enabled = False
    inspect_view_enabled = True


class IntegratorTokenViewSet(ModelViewSet):
    """Integrator API tokens: issued here, shown once, revoked here."""

    model = IntegratorAccess
    name = "integrator_tokens"
    icon = "key"
    menu_label = _("Integrator tokens")
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = False
    index_view_class = TokenIndexView
    add_view_class = TokenIssueView
    edit_view_class = TokenEditView
    delete_view_class = TokenRevokeView
    form_fields = ["expires_at"]


register_snippet(ServiceChannelViewSet)


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [PaymentMethodViewSet("payment_methods"), IntegratorTokenViewSet()]


@hooks.register("service_page_panels")
def payment_channels_on_service_page():
    return [service_channels_panel()]


@hooks.register("register_admin_urls")
def register_asset_urls():
    urls = [
        path("<int:pk>/assets/<slug:name>.<slug:fmt>", admin_views.asset, name="asset"),
        path("<int:pk>/poster/", admin_views.poster, name="poster"),
    ]
    return [path("channel-assets/", include((urls, "channels_admin")))]
