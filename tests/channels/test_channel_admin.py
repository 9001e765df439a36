"""The channel admin: department scoping of every channel screen and asset, the add form,
and the 決済チャネル panel on a service's page.

``two_departments`` gives *ours* (administered by ``department_admin``) and *theirs*, each
with a counter service. Another department's channel answers 404 as if it did not exist.
"""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from catalog.models import Service
from channels.configuration import CONFIG_FIELDS
from channels.models import ServiceChannel
from channels.services import channel_submit
from tests.channels.conftest import channel_form, payment_method, snippet_url

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def asset_url(channel, name, fmt):
    return reverse("channels_admin:asset", args=[channel.pk, name, fmt])


def poster_url(channel):
    return reverse("channels_admin:poster", args=[channel.pk])


def select_options(html, name):
    """The option values of the form's ``<select name=...>``."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no {name} select on the page"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def status_label(status):
    with translation.override("ja"):
        return str(ServiceChannel.Status(status).label)


@pytest.fixture
def t(two_departments, make_channel):
    """Each department's service with a user-scan QR channel (a draft)."""
    return {
        **two_departments,
        "our_qr": make_channel("qr_user_scan", service=two_departments["our_service"]),
        "their_qr": make_channel("qr_user_scan", service=two_departments["their_service"]),
    }


@pytest.fixture
def ours(client, department_admin):
    client.force_login(department_admin)
    return client


@pytest.fixture
def as_finance(client, finance):
    client.force_login(finance)
    return client


# ---------------------------------------------------------------- listing and object views


def test_the_listing_shows_only_our_departments_channels(ours, t):
    html = ours.get(snippet_url(ServiceChannel, "list")).content.decode()
    assert t["our_service"].name in html
    assert t["their_service"].name not in html
    assert t["theirs"].name not in html  # nor in the department filter


def test_the_export_holds_only_our_departments_channels(ours, t):
    response = ours.get(snippet_url(ServiceChannel, "list") + "?export=csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    text = "\n".join(",".join(row) for row in rows[1:])
    assert t["our_service"].name in text
    assert t["their_service"].name not in text


def test_finance_sees_every_departments_channels(as_finance, t):
    html = as_finance.get(snippet_url(ServiceChannel, "list")).content.decode()
    assert t["our_service"].name in html
    assert t["their_service"].name in html
    response = as_finance.get(snippet_url(ServiceChannel, "edit", t["their_qr"].pk))
    assert response.status_code == 200
    response = as_finance.get(asset_url(t["their_qr"], "jpqr", "png"))
    assert response.status_code == 200


OBJECT_VIEWS = ["edit", "history", "delete", "usage", "workflow_history"]


@pytest.mark.parametrize("view", OBJECT_VIEWS)
def test_another_departments_channel_answers_404(ours, t, view):
    response = ours.get(snippet_url(ServiceChannel, view, t["their_qr"].pk))
    assert response.status_code == 404


@pytest.mark.parametrize("view", OBJECT_VIEWS)
def test_our_channel_opens(ours, t, view):
    response = ours.get(snippet_url(ServiceChannel, view, t["our_qr"].pk))
    assert response.status_code == 200


def test_another_departments_channel_cannot_be_changed_by_a_forged_post(ours, t):
    their_service = t["their_service"]
    response = ours.post(
        snippet_url(ServiceChannel, "edit", t["their_qr"].pk),
        channel_form(their_service, "qr_user_scan", merchant_name="FORGED"),
    )
    assert response.status_code == 404
    assert t["their_qr"].get_latest_revision_as_object().merchant_name != "FORGED"


# ---------------------------------------------------------------- assets and poster


def test_our_channels_asset_downloads_as_png_and_svg(ours, t):
    response = ours.get(asset_url(t["our_qr"], "jpqr", "png"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(PNG_SIGNATURE)

    response = ours.get(asset_url(t["our_qr"], "jpqr", "svg"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_another_departments_asset_answers_404(ours, t, fmt):
    assert ours.get(asset_url(t["their_qr"], "jpqr", fmt)).status_code == 404


def test_our_poster_is_a_page_with_the_qr_code(ours, t):
    response = ours.get(poster_url(t["our_qr"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert re.search(rf'<img[^>]*src="{re.escape(asset_url(t["our_qr"], "jpqr", "svg"))}"', html)
    assert t["our_service"].name in html
    assert "@page { size: A4" in html


def test_another_departments_poster_answers_404(ours, t):
    assert ours.get(poster_url(t["their_qr"])).status_code == 404


def test_a_channel_without_that_asset_answers_404(ours, make_channel, t):
    card = make_channel("credit_card", service=t["our_service"])
    assert ours.get(asset_url(card, "jpqr", "png")).status_code == 404
    assert ours.get(poster_url(card)).status_code == 404
    assert ours.get(asset_url(t["our_qr"], "jpqr", "gif")).status_code == 404


def test_assets_need_a_login(client, t):
    response = client.get(asset_url(t["our_qr"], "jpqr", "png"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


# ---------------------------------------------------------------- the add form


def test_the_add_form_offers_only_our_services(ours, t, make_service):
    second = make_service(department=t["ours"], route=Service.Route.SLIP)
    html = ours.get(snippet_url(ServiceChannel, "add")).content.decode()
    offered = {value for value in select_options(html, "service") if value}
    assert offered == {str(t["our_service"].pk), str(second.pk)}


def test_a_forged_post_with_another_departments_service_is_refused(ours, t):
    their_service = t["their_service"]
    response = ours.post(
        snippet_url(ServiceChannel, "add"),
        {**channel_form(their_service, "credit_card"), "action-submit": "1"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["service"]
    assert not ServiceChannel.objects.filter(
        service=their_service, method__code="credit_card"
    ).exists()


def test_the_add_form_refuses_a_method_the_route_does_not_fit(ours, t):
    response = ours.post(
        snippet_url(ServiceChannel, "add"),
        channel_form(t["our_service"], "convenience_store"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["method"]
    assert payment_method("convenience_store").name in errors["method"][0]
    assert not ServiceChannel.objects.filter(method__code="convenience_store").exists()


def test_the_add_form_shows_field_errors_on_their_fields(ours, t):
    response = ours.post(
        snippet_url(ServiceChannel, "add"),
        channel_form(t["our_service"], "credit_card", merchant_id="", terminal_ids="T-1\nT-1"),
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"merchant_id", "terminal_ids"}


def test_the_add_form_saves_only_what_the_method_uses(ours, t):
    response = ours.post(
        snippet_url(ServiceChannel, "add"),
        channel_form(t["our_service"], "credit_card", mcc="9399", consignor_code="0123456789"),
    )
    assert response.status_code == 302
    channel = ServiceChannel.objects.get(method__code="credit_card")
    assert channel.mcc == "" and channel.consignor_code == ""
    assert channel.amount_ceiling is None


@pytest.mark.parametrize("name", CONFIG_FIELDS)
def test_each_configuration_field_is_on_the_form_once(ours, name):
    # A browser posts every copy of a field and the form reads the last one: a fee rate
    # typed in one group would be lost to an empty copy in a hidden group.
    html = ours.get(snippet_url(ServiceChannel, "add")).content.decode()
    assert len(re.findall(rf'name="{name}"', html)) == 1


# ---------------------------------------------------------------- the 決済チャネル panel


def panel_rows(html):
    """The rows of the 決済チャネル panel: {method name: (status, row html)}."""
    table = re.search(r'<table class="listing channel-panel">(.*?)</table>', html, re.S)
    assert table, "no payment channel panel on the page"
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        if not cells:
            continue
        method = re.sub(r"<[^>]+>", "", cells[0]).strip()
        status = re.sub(r"<[^>]+>", "", cells[1]).strip()
        rows[method] = (status, row)
    return rows


def test_the_service_page_lists_its_channels_with_status_and_downloads(
    ours, t, make_channel, department_admin
):
    service = t["our_service"]
    in_review = make_channel("credit_card", service=service)
    channel_submit(channel=in_review, user=department_admin)
    make_channel(
        "e_money",
        service=service,
        publish=True,
        go_live_at=timezone.now() + timezone.timedelta(days=3),
    )
    make_channel("qr_store_scan", service=service, publish=True)

    html = ours.get(snippet_url(Service, "edit", service.pk)).content.decode()
    rows = panel_rows(html)

    def name(code):
        return payment_method(code).name

    assert {method: status for method, (status, _row) in rows.items()} == {
        name("credit_card"): status_label("in_review"),
        name("e_money"): status_label("scheduled"),
        name("qr_store_scan"): status_label("published"),
        name("qr_user_scan"): status_label("draft"),
    }
    _status, qr_row = rows[name("qr_user_scan")]
    our_qr = t["our_qr"]
    assert f'href="{asset_url(our_qr, "jpqr", "svg")}"' in qr_row
    assert f'href="{asset_url(our_qr, "jpqr", "png")}"' in qr_row
    assert f'href="{poster_url(our_qr)}"' in qr_row
    assert f'href="{snippet_url(ServiceChannel, "edit", our_qr.pk)}"' in qr_row
    _status, card_row = rows[name("credit_card")]
    assert "channel-assets" not in card_row  # a terminal has nothing to download


def test_the_panel_links_a_slip_channels_barcode_but_no_poster(ours, t, make_channel, make_service):
    service = make_service(department=t["ours"], route=Service.Route.SLIP)
    barcode = make_channel("convenience_store", service=service)

    html = ours.get(snippet_url(Service, "edit", service.pk)).content.decode()
    _status, row = panel_rows(html)[payment_method("convenience_store").name]

    assert f'href="{asset_url(barcode, "barcode-specimen", "svg")}"' in row
    assert f'href="{asset_url(barcode, "barcode-specimen", "png")}"' in row
    assert "/poster/" not in row
    response = ours.get(asset_url(barcode, "barcode-specimen", "png"))
    assert response.status_code == 200
    assert response.content.startswith(PNG_SIGNATURE)


def test_the_panel_offers_to_add_a_channel_for_this_service(ours, t):
    service = t["our_service"]
    html = ours.get(snippet_url(Service, "edit", service.pk)).content.decode()
    add_url = snippet_url(ServiceChannel, "add") + f"?service={service.pk}"
    assert f'href="{add_url}"' in html

    form = ours.get(add_url).content.decode()
    assert re.search(rf'<option value="{service.pk}" selected>', form)


def test_finance_reads_the_channels_panel_on_the_services_read_only_page(as_finance, t):
    """Finance may not edit services, so their page of a service is the inspect view."""
    service = t["their_service"]
    html = as_finance.get(snippet_url(Service, "inspect", service.pk)).content.decode()
    rows = panel_rows(html)

    assert set(rows) == {payment_method("qr_user_scan").name}
    _status, row = rows[payment_method("qr_user_scan").name]
    assert f'href="{poster_url(t["their_qr"])}"' in row


def test_a_bad_value_left_in_a_hidden_field_does_not_block_saving(ours, t):
    """Switching a draft from a slip method to a card terminal leaves a hidden, malformed
    slip field behind; the terminal channel still saves, without it."""
    service = t["our_service"]
    data = channel_form(service, "credit_card", slip_number_digits="abc", mcc="12")

    response = ours.post(snippet_url(ServiceChannel, "add"), data)

    assert response.status_code == 302
    channel = ServiceChannel.objects.get(service=service, method__code="credit_card")
    assert channel.slip_number_digits is None
    assert channel.mcc == ""


def test_a_channels_page_previews_its_assets_as_last_saved(as_finance, t, make_channel):
    qr = t["our_qr"]
    page = as_finance.get(snippet_url(ServiceChannel, "edit", qr.pk)).content.decode()
    assert f'src="{asset_url(qr, "jpqr", "svg")}"' in page
    assert f'href="{poster_url(qr)}"' in page

    card = make_channel("credit_card", service=t["our_service"])
    page = as_finance.get(snippet_url(ServiceChannel, "edit", card.pk)).content.decode()
    assert "channel-assets" not in page  # a card terminal has no asset to preview


def test_the_listing_costs_the_same_queries_for_more_channels(
    as_finance, t, make_channel, make_service, department_admin
):
    """Each row's status needs its workflow state; they are fetched together, not a query
    a row, so a long listing stays quick."""
    url = snippet_url(ServiceChannel, "list")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert as_finance.get(url).status_code == 200
        return len(captured)

    as_finance.get(url)
    few = queries()
    for _ in range(4):
        service = make_service(department=t["ours"])
        channel_submit(channel=make_channel("e_money", service=service), user=department_admin)
        make_channel("credit_card", service=service, publish=True)

    assert queries() == few


@pytest.mark.parametrize(
    "status, expected",
    [
        ("published", {"published"}),
        ("in_review", {"in review"}),
        ("not_published", {"draft", "in review"}),
    ],
)
def test_the_listing_filters_by_status(
    as_finance, t, make_channel, department_admin, status, expected
):
    service = t["our_service"]
    make_channel("credit_card", service=service, publish=True, merchant_id="published")
    make_channel("e_money", service=service, merchant_id="draft")
    channel_submit(channel=make_channel("qr_store_scan", service=service), user=department_admin)
    labels = {
        "credit_card": "published",
        "e_money": "draft",
        "qr_store_scan": "in review",
        "qr_user_scan": "draft",
    }

    response = as_finance.get(snippet_url(ServiceChannel, "list"), {"status": status})

    shown = {
        labels[channel.method.code]
        for channel in response.context["object_list"]
        if channel.service == service
    }
    assert shown == expected
