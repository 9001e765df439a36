"""The KPI dashboard page, its Excel download, and the admin-home panel.

Thin: each reads :func:`kpis.dashboard.dashboard_context` for the user (finance sees every
department, a department administrator their own) and renders or exports it. The URLs are
registered with Wagtail's ``register_admin_urls`` hook, behind its log-in and admin check.
"""

from django import forms
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from catalog.exports import xlsx_response
from catalog.fiscal import fiscal_year, fiscal_year_label
from kpis.dashboard import dashboard_context
from kpis.selectors import fiscal_year_choices
from kpis.workbook import kpi_workbook


class YearForm(forms.Form):
    """The fiscal year the page shows (a GET form: the year is in the URL)."""

    year = forms.TypedChoiceField(label=gettext_lazy("Fiscal year"), coerce=int, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [
            (year, fiscal_year_label(year, with_western=True))
            for year in reversed(fiscal_year_choices())
        ]


def chosen_year(query):
    """``(form, year, problem)``: the year asked for, or this year with a message when the
    URL asks for one the dashboard cannot show."""
    current = fiscal_year(timezone.localdate())
    form = YearForm({"year": query.get("year", current)})
    if form.is_valid():
        return form, form.cleaned_data["year"], ""
    problem = _("That fiscal year cannot be shown; showing %(year)s instead.") % {
        "year": fiscal_year_label(current)
    }
    form = YearForm({"year": current})
    form.is_valid()
    return form, current, problem


class KpiDashboardView(WagtailAdminTemplateMixin, TemplateView):
    """キャッシュレス指標: every panel with its chart and table, the definitions, a print
    layout and the Excel download."""

    template_name = "kpis/dashboard.html"
    page_title = gettext_lazy("Cashless indicators")
    header_icon = "table"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        form, year, problem = chosen_year(self.request.GET)
        return super().get_context_data(
            form=form,
            problem=problem,
            export_url=f"{reverse('kpi_dashboard_xlsx')}?year={year}",
            today=timezone.localdate(),
            **dashboard_context(self.request.user, year=year),
            **kwargs,
        )


class KpiExportView(View):
    """The dashboard's numbers for the chosen year as ``.xlsx`` (one sheet per table)."""

    def get(self, request):
        _form, year, _problem = chosen_year(request.GET)
        context = dashboard_context(request.user, year=year)
        return xlsx_response(
            kpi_workbook(context["figures"], context["waves"]),
            filename=f"cashless-kpis-FY{year}.xlsx",
        )


class KpiPanel(Component):
    """The dashboard on the admin home: this year's headline figures, the trend, the
    breakdowns, the waves and the services furthest below target, with a link to the
    full page (tables, definitions, Excel, print)."""

    name = "kpis"
    template_name = "kpis/home_panel.html"
    order = 20  # the first thing finance sees

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        return {**self.context, "page_url": reverse("kpi_dashboard")}

    def render_html(self, parent_context=None):
        # A user with no services to see (no department yet) gets no panel of dashes.
        self.context = dashboard_context(self.user)
        if not self.context["figures"].by_service:
            return ""
        return super().render_html(parent_context)


urlpatterns = [
    path("kpis/", KpiDashboardView.as_view(), name="kpi_dashboard"),
    path("kpis/indicators.xlsx", KpiExportView.as_view(), name="kpi_dashboard_xlsx"),
]
