"""The KPI dashboard as finance and a department administrator see it on the demo data:
the home panel, the full page with its tables, another year, the Excel download and the
print layout; finance's target screens are Japanese too."""

import io

from django.utils import timezone
from openpyxl import load_workbook

from catalog.fiscal import fiscal_year, fiscal_year_label
from tests.browser.test_japanese_admin import english_words

TALL = {"width": 1400, "height": 4400}  # the admin scrolls inside its layout: show it all


def _cards(page):
    cards = page.locator("[data-kpi]")
    return {
        cards.nth(index).get_attribute("data-kpi"): cards.nth(index)
        .locator(".kpi-card__value")
        .inner_text()
        for index in range(cards.count())
    }


def _chart_labels(page, title):
    figure = page.locator("figure.kpi-figure", has_text=title).first
    return figure.locator("svg").text_content()


def test_finance_watches_the_indicators(demo, live_server, page, login, screenshot):
    this_year = fiscal_year(timezone.localdate())
    login(page, "kaikei", "kaikei-demo-2026")
    panel = page.locator("section.kpi-home")
    label = fiscal_year_label(this_year, with_western=True)
    assert f"キャッシュレス指標（{label}）" in panel.inner_text()
    cards = _cards(panel)
    assert set(cards) == {
        "cashless_share_amount",
        "cashless_share_count",
        "outside_share_count",
        "collection_rate",
        "on_time_rate",
        "coverage",
    }
    assert all(value.endswith("%") for value in cards.values()), cards
    # Below the national 40% by amount: the card says so in red.
    assert panel.locator("[data-kpi=cashless_share_amount].kpi-card--below").count() == 1
    assert "目標 40%（令和7年度まで）" in _chart_labels(panel, "年度別のキャッシュレス決済比率")
    departments = _chart_labels(panel, "部署別のキャッシュレス決済比率")
    assert "101 理財部 納税課" in departments and "171 文化観光部 観光施設課" in departments
    assert "遅延" in panel.locator("[data-kpi-table=waves]").inner_text()
    page.set_viewport_size(TALL)
    screenshot(page, "50-kpi-home-finance")

    page.set_viewport_size({"width": 1400, "height": 900})
    panel.get_by_role("link", name="表・定義・Excel・印刷").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="指標の定義").click()
    assert "収納率" in page.locator("#definitions").inner_text()
    trend = page.locator("[data-kpi-table=trend]").inner_text()
    assert "令和3年度 (2021)" in trend and label in trend
    reported = page.locator("[data-kpi-table=reported]").inner_text()
    assert "徴収一元化5債権" in reported and "43,007" in reported

    page.get_by_label("年度", exact=True).select_option(label="令和6年度 (2024)")
    page.get_by_role("button", name="表示", exact=True).click()
    page.wait_for_load_state("networkidle")
    heading = page.locator("h2.kpi-year").inner_text()
    assert "令和6年度 (2024)" in heading and "4月から12か月の実績" in heading
    page.set_viewport_size(TALL)
    screenshot(page, "51-kpi-page-finance")

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert "主要指標" in book.sheetnames and "推移" in book.sheetnames
    headline = {row[0]: row[1] for row in book["主要指標"].iter_rows(min_row=2, values_only=True)}
    assert 0 < headline["キャッシュレス決済比率（金額）"] < 0.4

    page.emulate_media(media="print")
    assert page.locator("#wagtail-sidebar").is_hidden()
    assert page.locator(".kpi-toolbar").is_hidden()
    screenshot(page, "52-kpi-print")


def test_a_department_administrator_sees_only_their_departments(
    demo, live_server, page, login, screenshot
):
    login(page, "kanko", "kanko-demo-2026")
    panel = page.locator("section.kpi-home")
    departments = _chart_labels(panel, "部署別のキャッシュレス決済比率")
    assert "171 文化観光部 観光施設課" in departments and "172 文化観光部 文化財課" in departments
    assert "理財部" not in panel.inner_text() and "市税" not in panel.inner_text()
    waves = panel.locator("[data-kpi-table=waves]").inner_text()
    assert "窓口キャッシュレス（観光施設）" in waves and "中央地域センター" not in waves
    page.set_viewport_size(TALL)
    screenshot(page, "53-kpi-home-department")

    page.goto(f"{live_server.url}/admin/kpis/")
    services = page.locator("[data-kpi-table=services]").inner_text()
    assert "20101 出島" in services and "10101" not in services
    assert page.locator("[data-kpi-table=reported]").count() == 0  # city-wide figures


def test_finance_keeps_the_targets_in_japanese(demo, live_server, page, login, screenshot):
    login(page, "kaikei", "kaikei-demo-2026")
    page.goto(f"{live_server.url}/admin/targets/")
    listing = page.locator("table.listing").inner_text()
    assert "市全体" in listing and "40.0%" in listing
    assert english_words(page) == []
    page.goto(f"{live_server.url}/admin/targets/new/")
    page.locator("#id_metric").select_option(label="キャッシュレス決済比率（金額）")
    page.locator("#id_fiscal_year").fill("2025")
    page.locator("#id_percent").fill("45")
    page.get_by_role("button", name="作成", exact=True).click()
    refusal = page.get_by_text("この指標と年度の市全体の目標がすでにあります。")
    refusal.wait_for()
    refusal.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # let the message finish sliding in before the screenshot
    screenshot(page, "54-kpi-target-refused")
    assert english_words(page) == []
