"""The dashboard as staff use it (kpis/views.py): the page, its Excel download and the
admin-home panel, for finance and for a department administrator, and what each costs in
queries whatever the size of the data.

The views take no ``today``: the data sits in the current fiscal year (``scoped_city`` in
conftest.py, whose docstring works out each figure).
"""

import datetime as dt
import io
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from openpyxl import load_workbook

from catalog import roles
from catalog.fiscal import fiscal_year_label
from catalog.models import Assessment, ReportedFigure, Service
from channels.models import CollectionRecord, PaymentMethod
from kpis.models import Metric, Target
from kpis.templatetags.kpi_format import points
from workflows.phases import Phase

pytestmark = pytest.mark.django_db

PAGE = "kpi_dashboard"
XLSX = "kpi_dashboard_xlsx"
HOME = "wagtailadmin_home"
HEADLINE_KEYS = [
    "cashless_share_amount",
    "cashless_share_count",
    "outside_share_count",
    "collection_rate",
    "on_time_rate",
    "coverage",
]
CARD = re.compile(
    r'data-kpi="(?P<key>\w+)">\s*<p class="kpi-card__label">(?P<label>.*?)</p>\s*'
    r'<p class="kpi-card__value">(?P<value>.*?)</p>',
    re.S,
)


def get(client, user, name, **params):
    client.force_login(user)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response


def html(client, user, name=PAGE, **params):
    return get(client, user, name, **params).content.decode()


def cards(page):
    """Each headline card's value as shown, by its ``data-kpi`` key."""
    return {match["key"]: match["value"].strip() for match in CARD.finditer(page)}


def home_panel(page):
    """The KPI panel of the admin home (the other panels are other apps')."""
    start = page.index('class="w-mb-12 kpi-home"')
    return page[start : page.index("</section>", start)]


def workbook(client, user, **params):
    response = get(client, user, XLSX, **params)
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return response, load_workbook(io.BytesIO(response.content))


def sheet_title(text):
    with translation.override("ja"):
        return translation.gettext(text)[:31]


def rows_of(sheet):
    """The sheet's data rows as values, keyed by their first cell."""
    return {row[0].value: row for row in sheet.iter_rows(min_row=2)}


def data(book, title):
    """The values of a sheet's data rows (the header row left out)."""
    return list(book[sheet_title(title)].iter_rows(min_row=2, values_only=True))


def cell_values(book):
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


# -- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [PAGE, XLSX, HOME])
def test_anonymous_users_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


# -- the page --------------------------------------------------------------------------------


def test_finance_sees_the_whole_citys_figures(client, scoped_city, finance):
    page = html(client, finance)
    # 1 of 11 payments and ¥7,000 of ¥4,331,000 by card; last year ¥1,000 of ¥3,000.
    assert cards(page) == {
        "cashless_share_amount": "0.2%",
        "cashless_share_count": "9.1%",
        "outside_share_count": "9.1%",
        "collection_rate": "—",  # no assessment
        "on_time_rate": "—",  # no slip service
        "coverage": "50.0%",  # one of two services has a published card channel
    }
    assert '<html lang="ja"' in page
    assert "33.3%" in page  # last year, same months
    # Below the 40% national goal (which keeps applying after FY2025): the card says so.
    assert re.search(r'kpi-card--below" data-kpi="cashless_share_amount"', page)
    assert "−33.2pt" in page  # 0.16% − 33.33%
    for shown in ["出島 入場料", "市税 証明", "¥4,331,000", "出島の導入", "納税課の導入", "98,765"]:
        assert shown in page, shown
    with translation.override("ja"):
        label = translation.gettext("Cashless share (by amount)")
    assert re.search(rf'data-kpi="cashless_share_amount">\s*<p[^>]*>{re.escape(label)}</p>', page)


def test_a_department_administrator_sees_only_their_departments(
    client, scoped_city, department_admin
):
    page = html(client, department_admin)
    # Ours: card ¥7,000 of ¥10,000, 1 of 4 payments; last year 1 of 2 and ¥1,000 of ¥2,000.
    assert cards(page) == {
        "cashless_share_amount": "70.0%",
        "cashless_share_count": "25.0%",
        "outside_share_count": "25.0%",
        "collection_rate": "—",
        "on_time_rate": "—",
        "coverage": "100.0%",
    }
    assert "+20.0pt" in page
    assert 'kpi-card--below" data-kpi="cashless_share_amount"' not in page  # 70% ≥ 40%
    assert "出島 入場料" in page and "出島の導入" in page and "¥10,000" in page
    # Nothing of the other department: its service, its wave, its money, the city's total,
    # nor the policy's city-wide reported figures.
    for hidden in ["市税 証明", "納税課", "¥4,321,000", "¥4,331,000", "98,765"]:
        assert hidden not in page, hidden


@pytest.mark.parametrize("year", ["1999", "abc", ""])
def test_a_year_that_cannot_be_shown_falls_back_to_this_year_with_a_warning(
    client, scoped_city, department_admin, year
):
    fy = scoped_city["fy"]
    page = html(client, department_admin, year=year)
    assert "help-warning" in page
    with translation.override("ja"):
        message = translation.gettext(
            "That fiscal year cannot be shown; showing %(year)s instead."
        ) % {"year": fiscal_year_label(fy)}
    assert escape(message) in page
    assert cards(page)["cashless_share_amount"] == "70.0%"  # this year's figures
    assert f'href="{reverse(XLSX)}?year={fy}"' in page
    assert f'<option value="{fy}" selected>' in page


def test_a_past_year_can_be_chosen(client, scoped_city, finance):
    fy = scoped_city["fy"]
    page = html(client, finance, year=str(fy - 1))
    assert "help-warning" not in page
    assert fiscal_year_label(fy - 1, with_western=True) in page
    # Last year: card ¥1,000 of ¥3,000; 1 of 3.
    assert cards(page)["cashless_share_amount"] == "33.3%"
    assert f'href="{reverse(XLSX)}?year={fy - 1}"' in page


def test_a_year_without_results_shows_dashes(client, finance, make_service):
    make_service(name="結果のない手数料")
    page = html(client, finance)
    assert cards(page) == dict.fromkeys(HEADLINE_KEYS[:5], "—") | {"coverage": "0.0%"}
    assert "結果のない手数料" in page


@pytest.mark.parametrize("name", [PAGE, HOME])
def test_a_user_whose_departments_have_no_services_sees_no_figures(
    client, scoped_city, make_user, make_department, name
):
    user = make_user(roles.DEPARTMENT_ADMIN, departments=[make_department(name="空の課")])
    page = html(client, user, name)
    # The page shows dashes; the home shows no panel of dashes at all.
    expected = dict.fromkeys(HEADLINE_KEYS, "—") if name == PAGE else {}
    assert cards(page) == expected
    for hidden in ["出島 入場料", "市税 証明", "出島の導入", "納税課の導入"]:
        assert hidden not in page, hidden


@pytest.mark.parametrize(
    ("role", "with_department", "shown"),
    [
        (roles.FINANCE, False, True),
        (roles.DEPARTMENT_ADMIN, True, True),
        (roles.DEPARTMENT_ADMIN, False, False),  # nobody assigned them a department yet
    ],
)
def test_the_menu_offers_the_dashboard_to_whoever_has_departments_to_see(
    client, make_user, make_department, role, with_department, shown
):
    user = make_user(role, departments=[make_department()] if with_department else [])
    page = html(client, user, HOME)
    assert (f'"url": "{reverse(PAGE)}"' in page) is shown  # the sidebar's menu data


# -- the admin home ----------------------------------------------------------------------------


def test_the_home_panel_shows_finance_the_citys_figures(client, scoped_city, finance):
    panel = home_panel(html(client, finance, HOME))
    assert cards(panel)["cashless_share_amount"] == "0.2%"
    assert cards(panel)["coverage"] == "50.0%"
    # Theirs, all cash, is furthest below the 40% goal; both waves are listed.
    assert "市税 証明" in panel
    assert "出島の導入" in panel and "納税課の導入" in panel
    assert f'href="{reverse(PAGE)}"' in panel


def test_the_home_panel_shows_a_department_administrator_their_own(
    client, scoped_city, department_admin
):
    panel = home_panel(html(client, department_admin, HOME))
    assert cards(panel)["cashless_share_amount"] == "70.0%"
    assert cards(panel)["coverage"] == "100.0%"
    assert "出島の導入" in panel
    for hidden in ["市税 証明", "納税課", "0.2%"]:
        assert hidden not in panel, hidden


# -- the workbook ----------------------------------------------------------------------------


def test_the_workbook_has_the_pages_tables_with_numbers(client, scoped_city, finance):
    fy = scoped_city["fy"]
    response, book = workbook(client, finance)
    assert f"cashless-kpis-FY{fy}.xlsx" in response["Content-Disposition"]
    titles = [
        "Headline figures",
        "Trend",
        "Reported figures",
        "By method",
        "By department",
        "By payment route",
        "By service",
        "Coverage by route",
        "Coverage by department",
        "Rollout waves",
        "Below target",
    ]
    assert book.sheetnames == [sheet_title(title) for title in titles]

    headlines = list(book[sheet_title("Headline figures")].iter_rows(min_row=2))
    assert len(headlines) == 6
    amount = headlines[0]  # cashless share by amount: this year, last year, change, target
    assert amount[1].value == pytest.approx(7_000 / 4_331_000)
    assert amount[2].value == pytest.approx(1 / 3)
    assert amount[3].value == pytest.approx((7_000 / 4_331_000 - 1 / 3) * 100)  # points
    assert amount[4].value == pytest.approx(0.40)
    assert [cell.number_format for cell in amount[1:]] == ["0.0%", "0.0%", "+0.0;-0.0;0.0", "0.0%"]
    collection = headlines[3]  # no assessment: every share unknown, empty cells
    assert [cell.value for cell in collection[1:]] == [None, None, None, None]
    coverage = headlines[5]
    assert coverage[1].value == pytest.approx(0.5) and coverage[2].value is None

    trend = rows_of(book[sheet_title("Trend")])
    this_year = trend[fiscal_year_label(fy, with_western=True)]
    # Months, payments, amount, cashless payments, cashless amount, shares…
    assert [cell.value for cell in this_year[1:6]] == [1, 11, 4_331_000, 1, 7_000]
    assert this_year[7].value == pytest.approx(7_000 / 4_331_000)
    assert this_year[7].number_format == "0.0%"
    first = trend[fiscal_year_label(2021, with_western=True)]  # nothing in FY2021
    assert first[2].value == 0 and first[6].value is None and first[7].value is None

    services = rows_of(book[sheet_title("By service")])
    ours, theirs = scoped_city["our_service"], scoped_city["their_service"]
    assert services[f"{ours.code} 出島 入場料"][1].value == 4
    assert services[f"{theirs.code} 市税 証明"][2].value == 4_321_000
    assert data(book, "Reported figures") == [
        (fiscal_year_label(fy - 1, with_western=True), "全庁", 12, 98_765, 12_345_678)
    ]
    assert {row[0] for row in data(book, "Rollout waves")} == {"出島の導入", "納税課の導入"}
    below = data(book, "Below target")
    assert [row[0] for row in below] == [f"{theirs.code} 市税 証明"]
    assert below[0][2:] == (0, pytest.approx(0.4), pytest.approx(-40))


def test_a_department_administrators_workbook_holds_only_their_departments(
    client, scoped_city, department_admin
):
    _response, book = workbook(client, department_admin)
    values = cell_values(book)
    texts = " ".join(str(value) for value in values if isinstance(value, str))
    for hidden in ["市税 証明", "納税課", "全庁"]:
        assert hidden not in texts, hidden
    assert 4_321_000 not in values and 4_331_000 not in values and 98_765 not in values
    services = rows_of(book[sheet_title("By service")])
    assert list(services) == [f"{scoped_city['our_service'].code} 出島 入場料"]
    fy = scoped_city["fy"]
    this_year = rows_of(book[sheet_title("Trend")])[fiscal_year_label(fy, with_western=True)]
    assert [cell.value for cell in this_year[2:4]] == [4, 10_000]
    assert [row[0] for row in data(book, "Rollout waves")] == ["出島の導入"]
    assert data(book, "Reported figures") == []


def test_the_workbook_of_an_unknown_year_is_this_years(client, scoped_city, finance):
    response, _book = workbook(client, finance, year="1999")
    assert f"cashless-kpis-FY{scoped_city['fy']}.xlsx" in response["Content-Disposition"]


# -- queries ---------------------------------------------------------------------------------

ROUTE_METHOD = {
    Service.Route.COUNTER: "credit_card",
    Service.Route.SLIP: "convenience_store",
    Service.Route.E_APPLICATION: "online_card",
}
RESULT_METHODS = [
    "cash_counter",
    "cash_bank",
    "credit_card",
    "e_money",
    "convenience_store",
    "bank_transfer",
    "smartphone_slip",
]


def grow(city, make_department, make_service_for, make_channel, make_plan):
    """From 2 services, 2 fiscal years, 3 methods, 1 month, 2 departments and 2 waves to
    12 services in 5 departments, 5 fiscal years × 12 months × 7 methods, assessments and
    targets for each, 10 published channels, 5 waves with schedules, 5 reported figures."""
    fy = city["fy"]
    departments = [city["ours"], city["theirs"]] + [
        make_department(name=f"増設{n}課") for n in range(3)
    ]
    routes = itertools.cycle(ROUTE_METHOD)
    services = []
    for n in range(10):
        route = next(routes)
        service = make_service_for(
            ROUTE_METHOD[route], department=departments[n % 5], name=f"追加{n}"
        )
        make_channel(ROUTE_METHOD[route], service=service, publish=True)
        services.append(service)
    methods = list(PaymentMethod.objects.filter(code__in=RESULT_METHODS))
    periods = [
        dt.date(year + (m > 12), (m - 1) % 12 + 1, 1)
        for year in range(fy - 4, fy + 1)
        for m in range(4, 16)
    ]
    CollectionRecord.objects.bulk_create(
        CollectionRecord(
            service=service,
            method=method,
            period=period,
            payment_count=n + 10,
            amount=(n + 10) * 1_000,
            on_time_count=n + 5,
        )
        for n, (service, method, period) in enumerate(itertools.product(services, methods, periods))
    )
    Assessment.objects.bulk_create(
        Assessment(service=service, fiscal_year=year, amount=5_000_000)
        for service in services
        for year in range(fy - 4, fy + 1)
    )
    Target.objects.bulk_create(
        Target(metric=metric, service=service, fiscal_year=fy, percent="55.0")
        for service in services
        for metric in (Metric.CASHLESS_SHARE_COUNT, Metric.COLLECTION_RATE)
    )
    ReportedFigure.objects.bulk_create(
        ReportedFigure(fiscal_year=year, scope="追加", months=12, payment_count=1, amount=1)
        for year in range(fy - 4, fy + 1)
    )
    for n in range(3):
        make_plan(
            f"追加の波{n}",
            services[n * 3 : n * 3 + 3],
            schedule=[
                {"phase": Phase.STUDY, "planned_start": dt.date(fy - 1, 4, 1)},
                {"phase": Phase.PILOT, "planned_start": dt.date(fy, 4, 1)},
            ],
        )
    assert Service.objects.count() == 12 and CollectionRecord.objects.count() > 4_000


def queries(client, url):
    """The queries of a page, once the first request has filled the caches."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# Measured on SQLite and PostgreSQL. The dashboard's own ten: the months with results,
# services, methods, the grouped results, assessments, channels, targets, and the reported
# figures (finance) or the user's departments (a department administrator); two for the
# waves. The rest is Wagtail's (session, user, permissions, menu) and the home's panels.
MEASURED = {
    (PAGE, "finance"): 20,
    (PAGE, "department_admin"): 20,
    (HOME, "finance"): 33,
    (HOME, "department_admin"): 31,
}


@pytest.mark.parametrize("name, role", list(MEASURED))
def test_the_dashboard_costs_the_same_queries_whatever_the_datas_size(
    request,
    client,
    scoped_city,
    make_department,
    make_service_for,
    make_channel,
    make_plan,
    name,
    role,
):
    client.force_login(request.getfixturevalue(role))
    url = reverse(name)
    small = queries(client, url)
    grow(scoped_city, make_department, make_service_for, make_channel, make_plan)
    big = queries(client, url)
    assert small == big <= MEASURED[(name, role)]


def test_changes_are_written_in_points_halves_rounded_up():
    assert [points(0.25), points(-0.25), points(0.04), points(None)] == [
        "+0.3pt",
        "−0.3pt",
        "±0.0pt",
        "—",
    ]
