"""The rollout timeline in the Wagtail admin: the chart, its table and its Excel download.

Thin: both views read the waves the user may see (:func:`plans_visible_to`), build the
:class:`~workflows.timeline.Timeline` of the chosen fiscal years and show or export it. The rollout
menu registers :data:`urlpatterns` with Wagtail's ``register_admin_urls`` hook, so they sit
under /admin/ behind Wagtail's log-in and admin-access check.
"""

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from catalog.exports import xlsx_response
from catalog.fiscal import fiscal_year_label
from workflows.selectors import plans_visible_to
from workflows.timeline import (
    DEFAULT_FIRST_FY,
    DEFAULT_LAST_FY,
    build_timeline,
    render_svg,
    timeline_workbook,
)

VIEW_PERMISSION = "workflows.view_rolloutplan"
#: The fiscal years one may choose: 令和2年度 (2020) to 令和12年度 (2030).
FISCAL_YEARS = range(2020, 2031)


def _fiscal_year_choices():
    return [(fy, fiscal_year_label(fy, with_western=True)) for fy in FISCAL_YEARS]


class TimelineRangeForm(forms.Form):
    """The fiscal years the timeline spans (a GET form: the range is in the URL)."""

    first_fy = forms.TypedChoiceField(
        label=gettext_lazy("First fiscal year"), choices=_fiscal_year_choices, coerce=int
    )
    last_fy = forms.TypedChoiceField(
        label=gettext_lazy("Last fiscal year"), choices=_fiscal_year_choices, coerce=int
    )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_fy"), cleaned.get("last_fy")
        if first is not None and last is not None and first > last:
            raise ValidationError(_("The first fiscal year comes after the last one."))
        return cleaned


DEFAULT_RANGE = {"first_fy": DEFAULT_FIRST_FY, "last_fy": DEFAULT_LAST_FY}


def chosen_range(query):
    """``(form, problem)`` for the range in ``query`` (the request's GET).

    A missing year is the default one; a range that is not one of the choices, or runs
    backwards, is replaced by the default range and ``problem`` says so, so a hand-edited
    URL shows the default chart with a message instead of an error page.
    """
    data = {name: query.get(name, default) for name, default in DEFAULT_RANGE.items()}
    form = TimelineRangeForm(data)
    if form.is_valid():
        return form, ""
    default = TimelineRangeForm(DEFAULT_RANGE)
    default.is_valid()
    problem = _(
        "The fiscal years asked for cannot be shown (%(reason)s); showing %(first)s – "
        "%(last)s instead."
    ) % {
        "reason": " ".join(str(error) for errors in form.errors.values() for error in errors),
        "first": fiscal_year_label(DEFAULT_FIRST_FY),
        "last": fiscal_year_label(DEFAULT_LAST_FY),
    }
    return default, problem


class TimelineAccessMixin:
    """Only users who may view rollout waves; each sees the waves of their departments."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def timeline(self, form):
        return build_timeline(
            plans_visible_to(self.request.user),
            first_fy=form.cleaned_data["first_fy"],
            last_fy=form.cleaned_data["last_fy"],
            today=timezone.localdate(),
        )


class TimelineView(TimelineAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    """導入スケジュール: the fiscal-year Gantt chart of the waves, the same data as a table,
    and a link to download it as Excel."""

    template_name = "workflows/timeline.html"
    page_title = gettext_lazy("Rollout timeline")
    header_icon = "calendar"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        form, problem = chosen_range(self.request.GET)
        timeline = self.timeline(form)
        query = urlencode({name: form.cleaned_data[name] for name in DEFAULT_RANGE})
        return super().get_context_data(
            form=form,
            problem=problem,
            timeline=timeline,
            # render_svg escapes every text it writes, wave names included.
            chart=mark_safe(render_svg(timeline)),
            months=timeline.months,  # sets the chart's least width on screen
            export_url=f"{reverse('rollout_timeline_xlsx')}?{query}",
            **kwargs,
        )


class TimelineExportView(TimelineAccessMixin, View):
    """The timeline of the chosen range (the default one if the range is bad) as ``.xlsx``."""

    def get(self, request):
        form, _problem = chosen_range(request.GET)
        timeline = self.timeline(form)
        filename = f"rollout-timeline-FY{timeline.first_fy}-FY{timeline.last_fy}.xlsx"
        return xlsx_response(timeline_workbook(timeline), filename=filename)


urlpatterns = [
    path("rollouts/timeline/", TimelineView.as_view(), name="rollout_timeline"),
    path("rollouts/timeline.xlsx", TimelineExportView.as_view(), name="rollout_timeline_xlsx"),
]
