"""What the bench renders, each with the check its answer must pass: the dashboard page
(this fiscal year and last) as finance and as a department administrator, the admin home
with its KPI panel, the Excel download, ``dashboard_figures`` alone, and the baseline, a
plain Wagtail listing (the targets) of the same process.

Requests go through Django's test ``Client`` in this process (the full middleware stack,
session and user loaded from the database on every request, no network), logged in with
``force_login``; every answer must be a 200."""

import io
import re
from dataclasses import dataclass
from typing import Any

from apibench.errors import BenchError

from .data import DEPARTMENTS, cashless_share

# The headline card: <li … data-kpi="cashless_share_amount"> … <p class="kpi-card__value">40.0%
HEADLINE = re.compile(
    r'data-kpi="cashless_share_amount">.*?class="kpi-card__value">([^<]*)<', re.DOTALL
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TARGET_SOURCE = "ベンチ用の目標"  # data.add_targets_and_figures gives every target it


@dataclass
class Scenario:
    """One thing to time: ``run(prepare())`` renders once and returns the response (or the
    figures); ``prepare`` runs untimed before each; ``check`` raises BenchError when an
    answer is not what it must be."""

    label: str
    run: Any
    check: Any
    prepare: Any = lambda: None

    def once(self):
        return self.run(self.prepare())


def logged_in(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def get(client, path):
    """Render ``path``; anything but a 200 fails the run."""

    def run(_prepared):
        response = client.get(path)
        if response.status_code != 200:
            raise BenchError(f"GET {path} answered {response.status_code}")
        return response

    return run


def percent(share):
    """As the dashboard writes a share: ``40.0%``."""
    return f"{share * 100:.1f}%"


def shows_headline(share, where):
    """The page's headline cashless share (by amount) must be ``share``, not "—"."""

    def check(response):
        found = HEADLINE.search(response.content.decode())
        if found is None:
            raise BenchError(f'{where}: no data-kpi="cashless_share_amount" headline')
        if found.group(1).strip() != percent(share):
            raise BenchError(
                f"{where}: the headline cashless share is {found.group(1).strip()!r}, "
                f"expected {percent(share)}"
            )

    return check


def holds_share(share, where):
    """The workbook's first sheet (the headlines) must hold ``share`` as a number."""

    def check(response):
        from openpyxl import load_workbook

        if response["Content-Type"] != XLSX:
            raise BenchError(f"{where}: Content-Type {response['Content-Type']}")
        sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
        values = [value for row in sheet.iter_rows(values_only=True) for value in row]
        if not any(isinstance(v, float) and abs(v - share) < 1e-9 for v in values):
            raise BenchError(f"{where}: no cell of the headlines sheet holds {share}")

    return check


def lists_targets(response):
    if TARGET_SOURCE not in response.content.decode():
        raise BenchError(f"The targets listing does not list the bench's targets ({TARGET_SOURCE})")


def figures_share(share):
    def check(figures):
        headline = figures.headlines[0]
        if headline.key != "cashless_share_amount" or headline.value is None:
            raise BenchError(f"dashboard_figures: first headline {headline}")
        if abs(headline.value - share) > 1e-9:
            raise BenchError(f"dashboard_figures: cashless share {headline.value}, not {share}")

    return check


def targets_listing():
    """The URL of the targets' listing, from the viewset Wagtail registered for them."""
    from django.urls import reverse
    from wagtail.admin.viewsets import viewsets

    from kpis.models import Target

    reverse("wagtailadmin_home")  # loads the admin's URLs, which registers the viewsets
    found = [viewset for viewset in viewsets.viewsets if getattr(viewset, "model", None) is Target]
    if not found:
        raise BenchError("No Wagtail viewset lists the targets: the baseline has no page")
    return reverse(found[0].get_url_name("index"))


def scenarios(finance, department_admin, *, current):
    """Every scenario, the baseline first, for fiscal year ``current`` (this one) and the
    one before; the figures they must show are summed from the database as it is now."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from kpis.selectors import dashboard_figures

    last = current - 1
    share = {year: cashless_share(year) for year in (current, last)}
    own = cashless_share(current, DEPARTMENTS[0])
    as_finance, as_department = logged_in(finance), logged_in(department_admin)
    page, home = reverse("kpi_dashboard"), reverse("wagtailadmin_home")
    xlsx, listing = reverse("kpi_dashboard_xlsx"), targets_listing()
    users = get_user_model().objects
    return [
        Scenario("baseline: targets listing, finance", get(as_finance, listing), lists_targets),
        Scenario(
            f"dashboard FY{current}, finance",
            get(as_finance, page),
            shows_headline(share[current], f"{page} as finance"),
        ),
        Scenario(
            f"dashboard FY{last}, finance",
            get(as_finance, f"{page}?year={last}"),
            shows_headline(share[last], f"{page}?year={last} as finance"),
        ),
        Scenario(
            "admin home with KPI panel, finance",
            get(as_finance, home),
            shows_headline(share[current], f"{home} as finance"),
        ),
        Scenario(
            f"Excel FY{current}, finance",
            get(as_finance, xlsx),
            holds_share(share[current], f"{xlsx} as finance"),
        ),
        Scenario(
            f"dashboard FY{current}, department admin",
            get(as_department, page),
            shows_headline(own, f"{page} as the department administrator"),
        ),
        Scenario(
            f"dashboard_figures() FY{current}, finance",
            dashboard_figures,
            figures_share(share[current]),
            # A user fresh from the database, as each request loads it: no cached
            # permissions or departments.
            prepare=lambda: users.get(pk=finance.pk),
        ),
    ]
