"""The admin shell: the dashboard panel and the menu, shared by every app."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from catalog.models import Facility, Service
from catalog.permissions import sees_all_departments
from catalog.selectors import departments_with_counts


class DepartmentsPanel(Component):
    """The dashboard's first panel: the departments a user works on, with links to their
    services and facilities."""

    name = "departments"
    order = 100
    template_name = "backoffice/departments_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        heading = (
            _("Departments and their services")
            if sees_all_departments(self.user)
            else _("Your departments")
        )
        return {
            "heading": heading,
            "rows": departments_with_counts(self.user),
            "services_url": reverse(Service.snippet_viewset.get_url_name("list")),
            "facilities_url": reverse(Facility.snippet_viewset.get_url_name("list")),
        }


@hooks.register("construct_homepage_panels")
def add_departments_panel(request, panels):
    panels.append(DepartmentsPanel(request.user))


@hooks.register("construct_main_menu")
def hide_page_editor_help(request, menu_items):
    """Wagtail's help menu is about editing web pages, which this back office has none of."""
    menu_items[:] = [item for item in menu_items if item.name != "help"]
