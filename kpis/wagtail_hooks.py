"""The indicators in the Wagtail admin: the dashboard page and its home panel, and the
targets finance keeps (filter set → viewset → group → one registration)."""

from django import forms
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from catalog.permissions import department_ids_for, sees_all_departments
from kpis import views
from kpis.models import Target


class TargetViewSet(ModelViewSet):
    """Targets (目標値): city-wide or per service, per indicator and target year."""

    model = Target
    name = "targets"
    icon = "pick"
    menu_label = _("Targets")
    list_display = ["metric_label", "scope_label", "year_label", "percent_label", "source"]
    list_filter = ["metric", "fiscal_year"]
    ordering = ["metric", "service__code", "fiscal_year"]
    panels = [
        FieldPanel("metric"),
        FieldPanel("service", widget=forms.Select),
        FieldPanel("fiscal_year"),
        FieldPanel("percent"),
        FieldPanel("source"),
    ]
    copy_view_enabled = False
    inspect_view_enabled = True

    def get_queryset(self, request):
        return Target.objects.select_related("service")  # each row names its service


class DashboardMenuItem(MenuItem):
    """Shown to whoever has departments to see: finance, system administrators and the
    administrators of a department. Asked on every admin page, so it reads only what the
    department policy already keeps on the user; a department without services gets the
    page's message instead."""

    def is_shown(self, request):
        return sees_all_departments(request.user) or bool(department_ids_for(request.user))


class DashboardViewSet(ViewSet):
    """The KPI dashboard page."""

    name = "kpi_dashboard_menu"
    icon = "table"
    menu_label = _("Cashless indicators")

    @cached_property
    def menu_url(self):
        return reverse("kpi_dashboard")

    @property
    def menu_item_class(self):
        return DashboardMenuItem


class IndicatorsViewSetGroup(ViewSetGroup):
    menu_label = _("Indicators")
    menu_icon = "table"
    menu_order = 50
    items = (DashboardViewSet, TargetViewSet)


@hooks.register("register_admin_viewset")
def register_viewsets():
    return IndicatorsViewSetGroup()


@hooks.register("register_admin_urls")
def register_dashboard_urls():
    return views.urlpatterns


@hooks.register("construct_homepage_panels")
def add_kpi_panel(request, panels):
    panels.append(views.KpiPanel(request.user))
