"""Wagtail admin views with the department policy applied to every one of them.

:class:`DepartmentScopedSnippetViewSet` is what an app subclasses to put a department's
records in the admin: its listing (with search, filters and exports), every per-object
view (edit, delete, inspect, history, usage, revisions, …), its chooser and its bulk
actions ask :mod:`catalog.permissions`, so a record of another department never shows:
it answers 404 as if it did not exist.
"""

from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_list_or_404
from django.utils.functional import classproperty
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.permissions import policy_registry
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.models import get_snippet_models
from wagtail.snippets.views import chooser as chooser_views
from wagtail.snippets.views.snippets import SnippetViewSet

from catalog.exports import SafeSpreadsheetExportMixin
from catalog.permissions import DepartmentScopedPermissionPolicy, sees_all_departments


def _policy(model):
    return policy_registry.get_by_type(model)


class ScopedListingMixin:
    """A listing holds only in-scope records; search, filters and exports start from it.
    A row offers delete only when the policy allows it for that very record."""

    def get_base_queryset(self):
        return _policy(self.model).scope(self.request.user, super().get_base_queryset())

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if _policy(self.model).user_has_permission_for_instance(
            self.request.user, "delete", instance
        ):
            return buttons
        delete_url = self.get_delete_url(instance)
        return [button for button in buttons if button.url != delete_url]


class ScopedObjectMixin:
    """A per-object view answers 404 for a record outside the user's departments.

    The scope is checked before Wagtail loads the record: some of its views (copy) refuse
    an out-of-scope record with "no permission", which would tell that it exists.
    """

    def get_object(self, *args, **kwargs):
        # Most views keep the URL's pk in self.kwargs; some take it apart into self.pk.
        pk = unquote(str(self.kwargs.get("pk", getattr(self, "pk", None))))
        in_scope = _policy(self.model).scope(
            self.request.user, self.model._default_manager.filter(pk=pk)
        )
        if not in_scope.exists():
            raise Http404
        return super().get_object(*args, **kwargs)


class ScopedDeleteMixin(ScopedObjectMixin):
    """Deleting asks the policy about this very record, not only about the model: a policy
    may refuse some records of a department (e.g. a published payment channel)."""

    def get_object(self, *args, **kwargs):
        instance = super().get_object(*args, **kwargs)
        if not _policy(self.model).user_has_permission_for_instance(
            self.request.user, "delete", instance
        ):
            raise PermissionDenied
        return instance


class CodeOrNameSearchForm(BaseFilterForm):
    """The chooser's search: a substring of the code or the name. Japanese has no spaces
    between words, so a word-based search index would miss most queries."""

    q = forms.CharField(
        label=_("Search term"),
        widget=forms.TextInput(attrs={"placeholder": _("Search")}),
        required=False,
    )

    def filter(self, objects):
        query = self.cleaned_data.get("q")
        if query:
            self.is_searching, self.search_query = True, query
            objects = objects.filter(Q(code__icontains=query) | Q(name__icontains=query))
        return objects


class ScopedChooserListMixin:
    """A chooser lists only in-scope records, searchable by code or name."""

    filter_form_class = CodeOrNameSearchForm

    def get_object_list(self):
        return _policy(self.model_class).scope(self.request.user, super().get_object_list())


class ScopedChosenView(chooser_views.SnippetChosenView):
    """Choosing a record by id checks its department like any other view."""

    def get_object(self, pk):
        obj = super().get_object(pk)
        if not _policy(self.model_class).in_scope(self.request.user, obj):
            raise self.model_class.DoesNotExist
        return obj


class ScopedChosenMultipleView(chooser_views.SnippetChosenMultipleView):
    def get_objects(self, pks):
        return _policy(self.model_class).scope(self.request.user, super().get_objects(pks))


class ScopedChooseView(ScopedChooserListMixin, chooser_views.ChooseView):
    pass


class ScopedChooseResultsView(ScopedChooserListMixin, chooser_views.ChooseResultsView):
    pass


class DepartmentScopedChooserViewSet(chooser_views.SnippetChooserViewSet):
    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView


# Views of SnippetViewSet that load one existing record; each gets ScopedObjectMixin. A test
# checks that every view class of the viewset is covered, so a Wagtail upgrade that adds
# one cannot slip past the policy.
OBJECT_VIEWS = [
    "edit",
    "delete",
    "usage",
    "history",
    "inspect",
    "copy",
    "revisions",
    "revisions_compare",
    "revisions_unschedule",
    "unpublish",
    "preview_on_edit",
    "lock",
    "unlock",
    "workflow_action",
    "collect_workflow_action_data",
    "confirm_workflow_cancellation",
    "workflow_preview",
    "workflow_history",
    "workflow_history_detail",
]
# Views that load no existing record. (Reorder loads records without get_object(); it has
# no URL while the models have no sort order field, and a test fails if that changes.)
OBJECTLESS_VIEWS = ["add", "preview_on_add", "reorder"]


class SafeExportIndexView(SafeSpreadsheetExportMixin, SnippetViewSet.index_view_class):
    """A snippet listing whose exports Excel in Japan opens safely (catalog.exports)."""


class ScopedIndexView(ScopedListingMixin, SafeExportIndexView):
    """A department-scoped listing with safe exports."""


def _scoped(view_class, mixin):
    return type(f"Scoped{view_class.__name__}", (mixin, view_class), {"__module__": __name__})


class DepartmentScopedSnippetViewSet(SnippetViewSet):
    """A snippet viewset whose every view applies the department policy."""

    index_view_class = ScopedIndexView
    chooser_viewset_class = DepartmentScopedChooserViewSet
    inspect_view_enabled = True


for _name in OBJECT_VIEWS:
    _attr = f"{_name}_view_class"
    setattr(
        DepartmentScopedSnippetViewSet,
        _attr,
        _scoped(
            getattr(SnippetViewSet, _attr),
            ScopedDeleteMixin if _name == "delete" else ScopedObjectMixin,
        ),
    )


class ScopedDeleteBulkAction(DeleteBulkAction):
    """Bulk delete that neither acts on nor lists records outside the user's departments.

    Wagtail's own bulk delete checks each record but still names the ones the user may not
    touch; this one never loads them.
    """

    @classproperty
    def models(cls):
        return [
            model
            for model in get_snippet_models()
            if isinstance(_policy(model), DepartmentScopedPermissionPolicy)
        ]

    def _scoped_queryset(self):
        return _policy(self.model).scope(self.request.user, self.model._default_manager.all())

    def get_queryset(self, model, object_ids):
        return get_list_or_404(self._scoped_queryset(), pk__in=object_ids)

    def get_all_objects_in_listing_query(self, parent_id):
        return self._scoped_queryset().values_list("pk", flat=True)


def all_departments_only(view):
    """Wrap a view so only users who see every department may open it; anyone else is
    refused (the admin shows Wagtail's no-permission message)."""

    def wrapped(request, *args, **kwargs):
        if not sees_all_departments(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# The site-wide history names records of every department, so it is for finance and
# system administrators; anyone can read a record's own history on its page.
site_history_view = all_departments_only(LogEntriesView.as_view())
site_history_results_view = all_departments_only(LogEntriesView.as_view(results_only=True))
