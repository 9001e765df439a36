"""The rollout in the Wagtail admin — the waves, the phase-move requests and the timeline
under one menu — and the rollout steps in its audit log."""

from django import forms
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, InlinePanel, ObjectList, TabbedInterface
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from catalog.permissions import policy_for
from workflows import log_actions, views
from workflows.forms import MonthInput
from workflows.models import PhaseMove, RolloutPlan
from workflows.panels import MovesToApprovePanel
from workflows.timeline import views as timeline_views


class RolloutPlanViewSet(ModelViewSet):
    """The waves: a listing, each wave's page, finance's form for its plan, and the form to
    ask for a move."""

    model = RolloutPlan
    name = "rollouts"
    icon = "calendar-alt"
    menu_label = _("Rollout waves")
    index_view_class = views.PlanIndexView
    list_filter = ["phase"]
    search_fields = ["name"]
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("name"),
                    FieldPanel("description"),
                    FieldPanel("methods", widget=forms.CheckboxSelectMultiple),
                    InlinePanel(
                        "plan_services",
                        heading=_("Covered services"),
                        label=_("Service"),
                        panels=[FieldPanel("service"), FieldPanel("pilot")],
                    ),
                ],
                heading=_("Wave"),
            ),
            ObjectList(
                [
                    InlinePanel(
                        "schedule",
                        heading=_("Schedule"),
                        label=_("Phase"),
                        panels=[
                            FieldPanel("phase"),
                            FieldPanel("planned_start", widget=MonthInput()),
                            FieldPanel("planned_end", widget=MonthInput()),
                            # Written when moves take effect, so they match the audit log.
                            FieldPanel("actual_start", read_only=True),
                            FieldPanel("actual_end", read_only=True),
                        ],
                    )
                ],
                heading=_("Schedule"),
            ),
            ObjectList(
                [
                    InlinePanel(
                        "gates",
                        heading=_("Gate criteria"),
                        label=_("Criterion"),
                        panels=[
                            FieldPanel("phase"),
                            FieldPanel("kind"),
                            FieldPanel("label"),
                            FieldPanel("done"),
                            FieldPanel("evidence"),
                            FieldPanel("metric"),
                            FieldPanel("comparison"),
                            FieldPanel("target"),
                            FieldPanel("measured_value"),
                        ],
                    )
                ],
                heading=_("Gates"),
            ),
        ]
    )

    @cached_property
    def permission_policy(self):
        return policy_for(RolloutPlan)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/detail/", views.PlanDetailView.as_view(), name="detail"),
            path("<int:pk>/move/", views.MoveRequestView.as_view(), name="request"),
        ]


class MoveURLFinder(ModelAdminURLFinder):
    """Wagtail's screens that link an object (its dashboard panel of the user's own
    requests in a workflow, the site history) link a request to its page."""

    edit_url_name = "rollout_moves:detail"

    def get_edit_url(self, instance):
        return self.construct_edit_url(instance)


class PhaseMoveViewSet(ModelViewSet):
    """The phase-move requests: a listing and each request's page, where finance approves
    or sends it back. Requests are made from a wave's page, never edited."""

    model = PhaseMove
    name = "rollout_moves"
    icon = "tasks"
    menu_label = _("Phase move requests")
    index_view_class = views.MoveIndexView
    list_filter = ["status", "to_phase"]
    url_finder_class = MoveURLFinder

    def get_index_view_kwargs(self, **kwargs):
        return {**super().get_index_view_kwargs(**kwargs), "add_url_name": None}

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", views.MoveDetailView.as_view(), name="detail"),
            path("<int:pk>/approve/", views.approve, name="approve"),
            path("<int:pk>/reject/", views.reject, name="reject"),
            path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
        ]


class TimelineMenuItem(MenuItem):
    """Shown to whoever may see waves, as the timeline view itself checks."""

    def is_shown(self, request):
        return request.user.has_perm("workflows.view_rolloutplan")


class TimelineViewSet(ViewSet):
    """The Gantt timeline by fiscal year, with its table and Excel download."""

    name = "rollout_timeline_menu"
    icon = "calendar"
    menu_label = _("Rollout timeline")

    @cached_property
    def menu_url(self):
        return reverse("rollout_timeline")

    @property
    def menu_item_class(self):
        return TimelineMenuItem


class RolloutViewSetGroup(ViewSetGroup):
    menu_label = _("Rollouts")
    menu_icon = "calendar-alt"
    menu_order = 250
    items = (RolloutPlanViewSet, PhaseMoveViewSet, TimelineViewSet)


@hooks.register("register_admin_viewset")
def register_viewsets():
    return RolloutViewSetGroup()


@hooks.register("register_admin_urls")
def register_timeline_urls():
    return timeline_views.urlpatterns


@hooks.register("construct_homepage_panels")
def add_moves_to_approve_panel(request, panels):
    panels.append(MovesToApprovePanel(request.user))


@hooks.register("register_log_actions")
def register_rollout_log_actions(actions):
    log_actions.register(actions)
