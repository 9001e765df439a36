"""The catalog in the Wagtail admin: filter sets → viewsets → group → one registration."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from catalog.forms import DepartmentForm, DepartmentScopedForm
from catalog.models import Department, Facility, ReportedFigure, Service
from catalog.scoped_views import (
    DepartmentScopedSnippetViewSet,
    SafeExportIndexView,
    ScopedDeleteBulkAction,
)
from catalog.selectors import departments_offered


class ServiceFilterSet(WagtailFilterSet):
    department = django_filters.ModelChoiceFilter(
        label=_("department"), queryset=departments_offered
    )
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=Service.Kind.choices)
    route = django_filters.ChoiceFilter(label=_("payment route"), choices=Service.Route.choices)
    facility_operation_type = django_filters.ChoiceFilter(
        label=_("facility operation type"),
        field_name="facility__operation_type",
        choices=Facility.OperationType.choices,
    )

    class Meta:
        model = Service
        fields = []


class FacilityFilterSet(WagtailFilterSet):
    department = django_filters.ModelChoiceFilter(
        label=_("department"), queryset=departments_offered
    )
    operation_type = django_filters.ChoiceFilter(
        label=_("operation type"), choices=Facility.OperationType.choices
    )

    class Meta:
        model = Facility
        fields = []


def service_page_panels():
    """Panels other apps show on a service's page (its payment channels, for one), through
    the ``service_page_panels`` hook."""
    return [panel for hook in hooks.get_hooks("service_page_panels") for panel in hook()]


class ServiceInspectView(DepartmentScopedSnippetViewSet.inspect_view_class):
    """A service's read-only page (finance's view of it) shows the same extra panels."""

    template_name = "catalog/service_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_panels"] = [
            panel.bind_to_model(Service).get_bound_panel(
                instance=self.object, request=self.request, prefix=f"service-page-{index}"
            )
            for index, panel in enumerate(service_page_panels())
        ]
        return context


class ServiceViewSet(DepartmentScopedSnippetViewSet):
    """Services (収納対象): what residents pay, by department."""

    model = Service
    icon = "tag"
    menu_label = _("Services")
    list_display = ["code", "name", "department", "kind", "route", "facility", "amount_label"]
    list_export = [
        "code",
        "name",
        "department",
        "kind",
        "route",
        "facility",
        "standard_amount",
        "notes",
    ]
    export_filename = "services"
    filterset_class = ServiceFilterSet
    search_fields = ["code", "name", "notes", "facility__name", "department__name"]
    search_backend_name = None  # substring search: Japanese has no spaces to split words on
    ordering = ["department__code", "code"]
    list_per_page = 50
    inspect_view_class = ServiceInspectView
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [FieldPanel("code"), FieldPanel("name"), FieldPanel("kind"), FieldPanel("route")],
                heading=_("What is paid"),
            ),
            MultiFieldPanel(
                [FieldPanel("department", widget=forms.Select), FieldPanel("facility")],
                heading=_("Who answers for it"),
            ),
            MultiFieldPanel(
                [FieldPanel("standard_amount"), FieldPanel("notes")], heading=_("Amount")
            ),
        ],
        base_form_class=DepartmentScopedForm,
    )

    def get_edit_handler(self):
        """The service's fields, then the panels other apps show on a service's page."""
        return ObjectList(
            [*self.edit_handler.children, *service_page_panels()],
            base_form_class=DepartmentScopedForm,
        ).bind_to_model(self.model)


class FacilityViewSet(DepartmentScopedSnippetViewSet):
    """Facilities (施設) with a payment counter."""

    model = Facility
    icon = "home"
    menu_label = _("Facilities")
    list_display = ["code", "name", "operation_type", "department", "address"]
    list_export = [
        "code",
        "name",
        "operation_type",
        "department",
        "postal_code",
        "address",
        "is_sample",
    ]
    export_filename = "facilities"
    filterset_class = FacilityFilterSet
    search_fields = ["code", "name", "address"]
    search_backend_name = None
    ordering = ["department__code", "code"]
    list_per_page = 50
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [FieldPanel("code"), FieldPanel("name"), FieldPanel("operation_type")],
                heading=_("Facility"),
            ),
            FieldPanel("department", widget=forms.Select),
            MultiFieldPanel(
                [FieldPanel("postal_code"), FieldPanel("address")], heading=_("Location")
            ),
            FieldPanel("is_sample"),
        ],
        base_form_class=DepartmentScopedForm,
    )


class DepartmentViewSet(DepartmentScopedSnippetViewSet):
    """Departments and who administers them (system administrators edit them)."""

    model = Department
    icon = "group"
    menu_label = _("Departments")
    list_display = ["code", "name", "parent"]
    list_export = ["code", "name", "parent"]
    export_filename = "departments"
    search_fields = ["code", "name"]
    search_backend_name = None
    ordering = ["code"]
    edit_handler = ObjectList(
        [
            FieldPanel("code"),
            FieldPanel("name"),
            FieldPanel("parent", widget=forms.Select),
            FieldPanel("administrators", widget=forms.CheckboxSelectMultiple),
        ],
        base_form_class=DepartmentForm,
    )


class ReportedFigureViewSet(SnippetViewSet):
    """Cashless figures reported in the city's policy, per fiscal year."""

    model = ReportedFigure
    icon = "table"
    index_view_class = SafeExportIndexView
    menu_label = _("Reported figures")
    list_display = [
        "fiscal_year_label",
        "scope",
        "months",
        "payment_count_label",
        "amount_label",
        "source",
    ]
    list_export = ["fiscal_year", "scope", "months", "payment_count", "amount", "source"]
    export_filename = "reported-figures"
    search_fields = ["scope", "source"]
    search_backend_name = None
    ordering = ["fiscal_year", "scope"]
    inspect_view_enabled = True


class CatalogGroup(SnippetViewSetGroup):
    menu_label = _("Catalog")
    menu_icon = "folder-open-inverse"
    menu_order = 100
    items = (ServiceViewSet, FacilityViewSet, DepartmentViewSet, ReportedFigureViewSet)


register_snippet(CatalogGroup)
# Registered after Wagtail's own snippet bulk delete (order 0), so it replaces it for the
# department-scoped models.
hooks.register("register_bulk_action", ScopedDeleteBulkAction, order=100)
