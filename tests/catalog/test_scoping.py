"""Department scoping: a department administrator never sees nor changes another
department's records, in any screen, export, bulk action or chooser.

``two_departments`` gives *ours* (bound to the ``department_admin`` fixture) and *theirs*,
each with a facility and a service at it. Their records must answer 404 as if they did not
exist, and their names must never appear on a page ours do.
"""

import csv
import io
import json

import openpyxl
import pytest
from django.contrib.messages import ERROR, get_messages
from django.urls import reverse
from django.utils import translation
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from catalog import roles
from catalog.models import Department, Facility, Service
from catalog.permissions import DepartmentScopedPermissionPolicy, policy_for
from catalog.scoped_views import (
    OBJECT_VIEWS,
    OBJECTLESS_VIEWS,
    DepartmentScopedChooserViewSet,
    DepartmentScopedSnippetViewSet,
    ScopedChooserListMixin,
    ScopedChosenMultipleView,
    ScopedChosenView,
    ScopedDeleteBulkAction,
    ScopedListingMixin,
    ScopedObjectMixin,
)

MODELS = {"service": Service, "facility": Facility}

# ---------------------------------------------------------------- helpers


def snippet_url(model, name, *args, **kwargs):
    return reverse(model.snippet_viewset.get_url_name(name), args=args or None, kwargs=kwargs)


def chooser_url(model, name, *args):
    return reverse(model.snippet_viewset.chooser_viewset.get_url_name(name), args=args or None)


def bulk_delete_url(model, *ids):
    query = "&".join(f"id={pk}" for pk in ids)
    return f"/admin/bulk/catalog/{model._meta.model_name}/delete/?{query}"


def text(response):
    """What the user's browser receives, as text (JSON modal responses: their HTML)."""
    if response.streaming:
        content = b"".join(response.streaming_content).decode()
    else:
        content = response.content.decode()
    if response.get("Content-Type", "").startswith("application/json"):
        data = json.loads(content)
        return data.get("html") or json.dumps(data, ensure_ascii=False)
    return content


def export_codes(response, export_format):
    """The first column (the code) of every data row of a CSV or XLSX export."""
    if export_format == "csv":
        rows = list(csv.reader(io.StringIO(text(response))))
    else:
        content = b"".join(response.streaming_content) if response.streaming else response.content
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        rows = [[str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    return [row[0] for row in rows[1:] if row]


def assert_permission_denied(response):
    """Wagtail's answer to a missing permission: back to the dashboard with an error."""
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    last = list(get_messages(response.wsgi_request))[-1]
    assert last.level == ERROR
    with translation.override("ja"):
        assert str(last.message).strip() == translation.gettext(
            "Sorry, you do not have permission to access this area."
        )


def service_form(service, **changes):
    data = {
        "code": service.code,
        "name": service.name,
        "kind": service.kind,
        "route": service.route,
        "department": service.department_id,
        "facility": service.facility_id or "",
        "standard_amount": "" if service.standard_amount is None else service.standard_amount,
        "notes": service.notes,
    }
    return {**data, **changes}


def facility_form(facility, **changes):
    data = {
        "code": facility.code,
        "name": facility.name,
        "operation_type": facility.operation_type,
        "department": facility.department_id,
        "postal_code": facility.postal_code,
        "address": facility.address,
    }
    if facility.is_sample:
        data["is_sample"] = "on"
    return {**data, **changes}


FORMS = {"service": service_form, "facility": facility_form}


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def admin_client_ours(as_user, department_admin):
    """The client, logged in as the department administrator of ``ours``."""
    return as_user(department_admin)


@pytest.fixture
def t(two_departments):
    return two_departments


def their_strings(t):
    return [t["their_service"].name, t["their_facility"].name, t["theirs"].name]


def assert_only_ours(html, t, ours_key):
    assert t[ours_key].name in html
    for leaked in their_strings(t):
        assert leaked not in html


# ---------------------------------------------------------------- listings, search, filters


@pytest.mark.parametrize("view", ["list", "list_results"])
@pytest.mark.parametrize("model_key", MODELS)
def test_listing_shows_only_our_records(admin_client_ours, t, model_key, view):
    response = admin_client_ours.get(snippet_url(MODELS[model_key], view))

    assert response.status_code == 200
    assert_only_ours(text(response), t, f"our_{model_key}")


@pytest.mark.parametrize(
    "model_key, query",
    [
        ("service", "課"),  # both department names end in 課 (department__name is searched)
        ("service", "0"),  # every zero-padded code contains a 0
        ("facility", "0"),
    ],
)
def test_search_never_finds_their_records(as_user, department_admin, finance, t, model_key, query):
    url = snippet_url(MODELS[model_key], "list_results") + f"?q={query}"
    their_name = t[f"their_{model_key}"].name
    assert their_name in text(as_user(finance).get(url)), "the query matches their record"

    html = text(as_user(department_admin).get(url))

    assert t[f"our_{model_key}"].name in html
    assert their_name not in html


def test_searching_their_name_finds_nothing(admin_client_ours, t):
    url = snippet_url(Service, "list_results") + "?q=" + t["their_service"].name

    html = text(admin_client_ours.get(url))

    assert t["their_service"].name not in html
    assert t["our_service"].name not in html


@pytest.mark.parametrize(
    "model_key, field, value",
    [
        ("service", "department", "theirs"),
        ("service", "kind", Service.Kind.CERTIFICATE_FEE),
        ("service", "route", Service.Route.COUNTER),
        ("service", "facility_operation_type", Facility.OperationType.DIRECT),
        ("facility", "department", "theirs"),
        ("facility", "operation_type", Facility.OperationType.DIRECT),
    ],
)
def test_filters_never_show_their_records(
    as_user, department_admin, finance, t, model_key, field, value
):
    value = t["theirs"].pk if value == "theirs" else value
    url = snippet_url(MODELS[model_key], "list_results") + f"?{field}={value}"
    their_name = t[f"their_{model_key}"].name
    assert their_name in text(as_user(finance).get(url)), "the filter matches their record"

    response = as_user(department_admin).get(url)

    assert response.status_code == 200
    assert their_name not in text(response)


@pytest.mark.parametrize("model_key", MODELS)
def test_department_filter_offers_only_our_departments(admin_client_ours, t, model_key):
    response = admin_client_ours.get(snippet_url(MODELS[model_key], "list"))

    choices = response.context["filters"].form.fields["department"].queryset
    assert list(choices) == [t["ours"]]
    html = text(response)
    assert f'<option value="{t["ours"].pk}">{t["ours"]}</option>' in html
    assert str(t["theirs"]) not in html


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
@pytest.mark.parametrize("model_key", MODELS)
def test_exports_hold_only_our_records(
    as_user, department_admin, finance, t, model_key, export_format
):
    url = snippet_url(MODELS[model_key], "list") + f"?export={export_format}"
    ours, theirs = t[f"our_{model_key}"].code, t[f"their_{model_key}"].code
    assert set(export_codes(as_user(finance).get(url), export_format)) >= {ours, theirs}

    response = as_user(department_admin).get(url)

    assert response.status_code == 200
    assert export_codes(response, export_format) == [ours]


# ---------------------------------------------------------------- per-object views


def object_urls(model, obj):
    """Every per-object admin URL of ``obj``, by view name (revision views need one)."""
    revision = obj.save_revision()
    pk = obj.pk
    return {
        "edit": snippet_url(model, "edit", pk),
        "delete": snippet_url(model, "delete", pk),
        "history": snippet_url(model, "history", pk),
        "history_results": snippet_url(model, "history_results", pk),
        "usage": snippet_url(model, "usage", pk),
        "inspect": snippet_url(model, "inspect", pk),
        "copy": snippet_url(model, "copy", pk),
        "revisions_revert": snippet_url(model, "revisions_revert", pk, revision.pk),
        "revisions_compare": reverse(
            model.snippet_viewset.get_url_name("revisions_compare"),
            kwargs={"pk": pk, "revision_id_a": "earliest", "revision_id_b": "latest"},
        ),
    }


OBJECT_VIEW_NAMES = [
    "edit",
    "delete",
    "history",
    "history_results",
    "usage",
    "inspect",
    "copy",
    "revisions_revert",
    "revisions_compare",
]


@pytest.mark.parametrize("view", OBJECT_VIEW_NAMES)
@pytest.mark.parametrize("model_key", MODELS)
def test_their_record_answers_404_on_every_object_view(admin_client_ours, t, model_key, view):
    model = MODELS[model_key]
    our_url = object_urls(model, t[f"our_{model_key}"])[view]
    their_url = object_urls(model, t[f"their_{model_key}"])[view]
    assert admin_client_ours.get(our_url).status_code == 200, "the view works for ours"

    response = admin_client_ours.get(their_url)

    assert response.status_code == 404
    assert t[f"their_{model_key}"].name not in text(response)


@pytest.mark.parametrize("model_key", MODELS)
def test_posting_an_edit_of_their_record_is_404_and_changes_nothing(
    admin_client_ours, t, model_key
):
    their = t[f"their_{model_key}"]
    before = MODELS[model_key].objects.values().get(pk=their.pk)

    response = admin_client_ours.post(
        snippet_url(MODELS[model_key], "edit", their.pk),
        FORMS[model_key](their, name="乗っ取り"),
    )

    assert response.status_code == 404
    assert MODELS[model_key].objects.values().get(pk=their.pk) == before


@pytest.mark.parametrize("model_key", MODELS)
def test_posting_a_delete_of_their_record_is_404_and_keeps_it(admin_client_ours, t, model_key):
    their = t[f"their_{model_key}"]

    response = admin_client_ours.post(snippet_url(MODELS[model_key], "delete", their.pk))

    assert response.status_code == 404
    assert MODELS[model_key].objects.filter(pk=their.pk).exists()


@pytest.mark.parametrize("model_key", MODELS)
def test_our_record_cannot_be_moved_to_their_department(admin_client_ours, t, model_key):
    ours = t[f"our_{model_key}"]
    data = FORMS[model_key](ours, department=t["theirs"].pk)
    if model_key == "service":
        data["facility"] = t["their_facility"].pk

    response = admin_client_ours.post(snippet_url(MODELS[model_key], "edit", ours.pk), data)

    assert response.status_code == 200  # the form is shown again, with its errors
    assert "department" in response.context["form"].errors
    ours.refresh_from_db()
    assert ours.department == t["ours"]


# ---------------------------------------------------------------- bulk delete


def test_bulk_delete_of_their_record_is_404(admin_client_ours, t):
    url = bulk_delete_url(Service, t["their_service"].pk)

    assert admin_client_ours.get(url).status_code == 404
    assert admin_client_ours.post(url).status_code == 404
    assert Service.objects.filter(pk=t["their_service"].pk).exists()


@pytest.mark.parametrize("ids", ["mixed", "all"])
def test_bulk_delete_acts_only_on_our_records(admin_client_ours, t, ids):
    ours, theirs = t["our_service"], t["their_service"]
    url = bulk_delete_url(Service, *([ours.pk, theirs.pk] if ids == "mixed" else ["all"]))

    confirm = admin_client_ours.get(url)

    assert confirm.status_code == 200
    assert ours.name in text(confirm)
    assert theirs.name not in text(confirm)

    response = admin_client_ours.post(url)

    assert response.status_code == 302
    assert not Service.objects.filter(pk=ours.pk).exists()
    assert Service.objects.filter(pk=theirs.pk).exists()


# ---------------------------------------------------------------- facility chooser


@pytest.mark.parametrize("view", ["choose", "choose_results"])
def test_facility_chooser_lists_only_our_facilities(admin_client_ours, t, view):
    response = admin_client_ours.get(chooser_url(Facility, view))

    assert response.status_code == 200
    html = text(response)
    assert t["our_facility"].name in html
    assert t["their_facility"].name not in html


def test_choosing_their_facility_by_id_is_404(admin_client_ours, t):
    assert (
        admin_client_ours.get(chooser_url(Facility, "chosen", t["our_facility"].pk)).status_code
        == 200
    )

    response = admin_client_ours.get(chooser_url(Facility, "chosen", t["their_facility"].pk))

    assert response.status_code == 404


def test_choosing_several_facilities_returns_only_ours(admin_client_ours, t):
    url = chooser_url(Facility, "chosen_multiple")
    url += f"?id={t['our_facility'].pk}&id={t['their_facility'].pk}"

    result = json.loads(admin_client_ours.get(url).content)["result"]

    assert [item["id"] for item in result] == [str(t["our_facility"].pk)]


# ---------------------------------------------------------------- add form


@pytest.mark.parametrize("model_key", MODELS)
def test_add_form_offers_only_our_department_already_chosen(admin_client_ours, t, model_key):
    response = admin_client_ours.get(snippet_url(MODELS[model_key], "add"))

    assert list(response.context["form"].fields["department"].queryset) == [t["ours"]]
    html = text(response)
    assert f'<option value="{t["ours"].pk}" selected>{t["ours"]}</option>' in html
    assert str(t["theirs"]) not in html


def test_add_form_facility_choice_holds_only_our_facilities(admin_client_ours, t):
    response = admin_client_ours.get(snippet_url(Service, "add"))

    assert list(response.context["form"].fields["facility"].queryset) == [t["our_facility"]]


NEW_SERVICE = {
    "code": "99999",
    "name": "新しい手数料",
    "kind": Service.Kind.CERTIFICATE_FEE,
    "route": Service.Route.COUNTER,
    "standard_amount": "300",
    "notes": "",
}
NEW_FACILITY = {
    "code": "9999",
    "name": "新しい施設",
    "operation_type": Facility.OperationType.DIRECT,
    "postal_code": "",
    "address": "",
}
NEW = {"service": NEW_SERVICE, "facility": NEW_FACILITY}


@pytest.mark.parametrize("model_key", MODELS)
def test_adding_a_record_to_our_department_works(admin_client_ours, t, model_key):
    data = {**NEW[model_key], "department": t["ours"].pk}
    if model_key == "service":
        data["facility"] = t["our_facility"].pk

    response = admin_client_ours.post(snippet_url(MODELS[model_key], "add"), data)

    assert response.status_code == 302
    assert MODELS[model_key].objects.get(code=data["code"]).department == t["ours"]


@pytest.mark.parametrize(
    "model_key, department, facility, field_in_error",
    [
        ("service", "theirs", "their_facility", "department"),
        ("service", "ours", "their_facility", "facility"),
        ("facility", "theirs", None, "department"),
    ],
)
def test_adding_a_record_with_their_department_or_facility_is_rejected(
    admin_client_ours, t, model_key, department, facility, field_in_error
):
    model = MODELS[model_key]
    data = {**NEW[model_key], "department": t[department].pk}
    if facility:
        data["facility"] = t[facility].pk
    count = model.objects.count()

    response = admin_client_ours.post(snippet_url(model, "add"), data)

    assert response.status_code == 200
    assert field_in_error in response.context["form"].errors
    assert model.objects.count() == count
    assert not model.objects.filter(code=data["code"]).exists()


# ---------------------------------------------------------------- departments


def test_department_listing_shows_only_ours(admin_client_ours, t):
    response = admin_client_ours.get(snippet_url(Department, "list"))

    html = text(response)
    assert t["ours"].name in html
    assert t["theirs"].name not in html


def test_department_admin_cannot_edit_a_department(admin_client_ours, t):
    url = snippet_url(Department, "edit", t["ours"].pk)

    assert_permission_denied(admin_client_ours.get(url))
    response = admin_client_ours.post(url, {"code": t["ours"].code, "name": "改名"})

    assert_permission_denied(response)
    t["ours"].refresh_from_db()
    assert t["ours"].name == "観光施設課"


def test_department_admin_does_not_even_learn_their_department_exists(admin_client_ours, t):
    response = admin_client_ours.get(snippet_url(Department, "edit", t["theirs"].pk))

    assert response.status_code == 404


# ---------------------------------------------------------------- site history report


SITE_HISTORY = "/admin/reports/site-history/"
SITE_HISTORY_RESULTS = "/admin/reports/site-history/results/"


@pytest.fixture
def logged_changes(t, system_admin):
    """Each department's service has a history entry, so the site history names both."""
    log(t["our_service"], "wagtail.edit", user=system_admin)
    log(t["their_service"], "wagtail.edit", user=system_admin)


@pytest.mark.parametrize("url", [SITE_HISTORY, SITE_HISTORY_RESULTS])
def test_site_history_is_refused_to_a_department_admin(admin_client_ours, logged_changes, url):
    # Wagtail's require_admin_access turns the PermissionDenied into its usual redirect.
    assert_permission_denied(admin_client_ours.get(url))


@pytest.mark.parametrize("url", [SITE_HISTORY, SITE_HISTORY_RESULTS])
def test_site_history_answers_403_to_a_department_admins_script(
    admin_client_ours, logged_changes, url
):
    response = admin_client_ours.get(url, headers={"x-requested-with": "XMLHttpRequest"})

    assert response.status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        SITE_HISTORY,
        SITE_HISTORY_RESULTS,
        "/admin/snippets/catalog/service/",
    ],
)
def test_admin_pages_naming_every_department_are_never_cached(
    as_user, finance, logged_changes, url
):
    response = as_user(finance).get(url)

    assert response.status_code == 200
    assert "no-store" in response.get("Cache-Control", "")


def test_site_history_shows_every_department_to_finance(as_user, finance, t, logged_changes):
    response = as_user(finance).get(SITE_HISTORY)

    assert response.status_code == 200
    html = text(response)
    assert t["our_service"].name in html
    assert t["their_service"].name in html


# ---------------------------------------------------------------- other users


def test_department_admin_without_departments_sees_empty_listings(as_user, make_user, t):
    client = as_user(make_user(roles.DEPARTMENT_ADMIN))

    for model, key in [(Service, "service"), (Facility, "facility"), (Department, None)]:
        response = client.get(snippet_url(model, "list"))
        assert response.status_code == 200
        assert list(response.context["object_list"]) == []
        html = text(response)
        for name in [t["ours"].name, t["theirs"].name] + (
            [t[f"our_{key}"].name, t[f"their_{key}"].name] if key else []
        ):
            assert name not in html


def test_department_admin_of_two_departments_sees_both(as_user, make_user, t):
    client = as_user(make_user(roles.DEPARTMENT_ADMIN, departments=[t["ours"], t["theirs"]]))

    html = text(client.get(snippet_url(Service, "list")))

    assert t["our_service"].name in html
    assert t["their_service"].name in html
    assert client.get(snippet_url(Service, "edit", t["their_service"].pk)).status_code == 200


@pytest.mark.parametrize("model_key", MODELS)
def test_finance_lists_and_inspects_every_department(as_user, finance, t, model_key):
    client = as_user(finance)
    model = MODELS[model_key]

    html = text(client.get(snippet_url(model, "list")))

    assert t[f"our_{model_key}"].name in html
    assert t[f"their_{model_key}"].name in html
    for key in ("our", "their"):
        inspect = client.get(snippet_url(model, "inspect", t[f"{key}_{model_key}"].pk))
        assert inspect.status_code == 200
        assert t[f"{key}_{model_key}"].name in text(inspect)


@pytest.mark.parametrize("model_key", MODELS)
def test_finance_can_neither_edit_nor_delete(as_user, finance, t, model_key):
    client = as_user(finance)
    model, their = MODELS[model_key], t[f"their_{model_key}"]
    edit, delete = snippet_url(model, "edit", their.pk), snippet_url(model, "delete", their.pk)

    assert_permission_denied(client.get(edit))
    assert_permission_denied(client.post(edit, FORMS[model_key](their, name="会計課の変更")))
    assert_permission_denied(client.get(delete))
    assert_permission_denied(client.post(delete))

    their.refresh_from_db()
    assert their.name != "会計課の変更"
    assert model.objects.filter(pk=their.pk).exists()


def test_finance_cannot_bulk_delete(as_user, finance, t):
    client = as_user(finance)

    client.post(bulk_delete_url(Service, "all"))

    assert Service.objects.filter(pk__in=[t["our_service"].pk, t["their_service"].pk]).count() == 2


def test_system_admin_can_edit_their_record(as_user, system_admin, t):
    client = as_user(system_admin)
    their = t["their_service"]
    url = snippet_url(Service, "edit", their.pk)
    assert client.get(url).status_code == 200

    response = client.post(url, service_form(their, name="市税 証明（改）"))

    assert response.status_code == 302
    their.refresh_from_db()
    assert their.name == "市税 証明（改）"


def test_department_admin_edits_our_service_and_history_names_them(
    admin_client_ours, department_admin, t
):
    ours = t["our_service"]
    history_rows = snippet_url(Service, "history_results", ours.pk)
    assert department_admin.username not in text(admin_client_ours.get(history_rows))

    response = admin_client_ours.post(
        snippet_url(Service, "edit", ours.pk),
        service_form(ours, name="出島 入場料（一般）", standard_amount="520"),
    )

    assert response.status_code == 302
    ours.refresh_from_db()
    assert (ours.name, ours.standard_amount) == ("出島 入場料（一般）", 520)
    rows = text(admin_client_ours.get(history_rows))
    assert "<tbody>" in rows
    assert department_admin.username in rows
    entry = ModelLogEntry.objects.for_instance(ours).get(action="wagtail.edit")
    assert entry.user == department_admin


# ---------------------------------------------------------------- guards


# Views Wagtail derives from another view class, and which one.
DERIVED_VIEWS = {"revisions_revert": "edit"}


@pytest.mark.parametrize("model", [Service, Facility, Department])
def test_every_view_of_the_scoped_viewset_applies_the_policy(model):
    viewset = model.snippet_viewset
    assert isinstance(viewset, DepartmentScopedSnippetViewSet)
    names = [n.removesuffix("_view_class") for n in dir(viewset) if n.endswith("_view_class")]
    assert "edit" in names and "index" in names

    unscoped = []
    for name in names:
        view_class = getattr(viewset, f"{name}_view_class")
        if name == "index":
            scoped = issubclass(view_class, ScopedListingMixin)
        elif name in OBJECT_VIEWS:
            scoped = issubclass(view_class, ScopedObjectMixin)
        elif name in DERIVED_VIEWS:
            base = getattr(viewset, f"{DERIVED_VIEWS[name]}_view_class")
            scoped = issubclass(view_class, base) and issubclass(view_class, ScopedObjectMixin)
        else:
            scoped = name in OBJECTLESS_VIEWS
        if not scoped:
            unscoped.append(name)

    assert unscoped == []


@pytest.mark.parametrize("model", [Service, Facility, Department])
def test_objectless_reorder_view_is_not_routed(model):
    # ReorderView loads a record by pk without get_object(), so ScopedObjectMixin could not
    # scope it: it is only safe as an "objectless" view while it has no URL.
    viewset = model.snippet_viewset
    assert not viewset.reorder_view_enabled
    assert "reorder" not in [p.name for p in viewset.get_urlpatterns()]


def test_every_view_of_the_scoped_chooser_applies_the_policy():
    viewset = DepartmentScopedChooserViewSet
    names = sorted(n.removesuffix("_view_class") for n in dir(viewset) if n.endswith("_view_class"))

    assert names == ["choose", "choose_results", "chosen", "chosen_multiple", "create"]
    assert issubclass(viewset.choose_view_class, ScopedChooserListMixin)
    assert issubclass(viewset.choose_results_view_class, ScopedChooserListMixin)
    assert issubclass(viewset.chosen_view_class, ScopedChosenView)
    assert issubclass(viewset.chosen_multiple_view_class, ScopedChosenMultipleView)
    for model in (Service, Facility, Department):
        assert isinstance(model.snippet_viewset.chooser_viewset, viewset)


@pytest.mark.parametrize("model", [Service, Facility, Department])
def test_bulk_delete_of_catalog_models_is_the_scoped_one(model):
    assert isinstance(policy_for(model), DepartmentScopedPermissionPolicy)
    action = bulk_action_registry.get_bulk_action_class("catalog", model._meta.model_name, "delete")
    assert action is ScopedDeleteBulkAction


def test_users_with_permission_for_a_record_are_its_departments_and_all_seeing_staff(
    make_user, department_admin, finance, system_admin, t
):
    their_admin = make_user(roles.DEPARTMENT_ADMIN, departments=[t["theirs"]])
    unbound_admin = make_user(roles.DEPARTMENT_ADMIN)
    superuser = make_user(roles.FINANCE)
    superuser.is_superuser = True
    superuser.save()
    policy = policy_for(Service)

    can_change = set(policy.users_with_any_permission_for_instance(["change"], t["their_service"]))
    can_view = set(policy.users_with_any_permission_for_instance(["view"], t["their_service"]))
    can_view_ours = set(policy.users_with_any_permission_for_instance(["view"], t["our_service"]))

    assert can_change == {their_admin, system_admin, superuser}
    assert can_view == {their_admin, finance, system_admin, superuser}
    assert can_view_ours == {department_admin, finance, system_admin, superuser}
    assert unbound_admin not in can_view | can_view_ours


def test_the_facility_chooser_searches_codes_and_names_within_scope(
    client, department_admin, two_departments, make_facility
):
    ours = two_departments["ours"]
    make_facility(department=ours, code="0777", name="稲佐山展望台")
    make_facility(department=two_departments["theirs"], code="0778", name="稲佐山公園")
    client.force_login(department_admin)
    url = reverse(Facility.snippet_viewset.chooser_viewset.get_url_name("choose_results"))

    by_name = client.get(url, {"q": "稲佐山"}).content.decode()
    assert "稲佐山展望台" in by_name
    assert "稲佐山公園" not in by_name
    assert "稲佐山展望台" in client.get(url, {"q": "0777"}).content.decode()
    assert "稲佐山展望台" not in client.get(url, {"q": "0778"}).content.decode()
