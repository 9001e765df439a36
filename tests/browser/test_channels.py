"""A payment channel from draft to the integrator API, as the people involved do it."""

import re

from channels.demo import DEMO_TOKEN
from channels.models import ServiceChannel

SERVICE = "20104 旧香港上海銀行長崎支店記念館 入場料（一般）"
CHANNELS_URL = "/admin/snippets/channels/servicechannel/"


def _api(page, live_server, path):
    return page.request.get(
        f"{live_server.url}/api/v1/{path}", headers={"Authorization": f"Bearer {DEMO_TOKEN}"}
    )


def test_department_drafts_finance_approves_and_the_api_serves_it(
    demo, live_server, page, login, screenshot
):
    login(page, "kanko", "kanko-demo-2026")
    page.goto(f"{live_server.url}{CHANNELS_URL}add/")
    page.select_option("#id_service", label=SERVICE)
    page.select_option("#id_method", label="コード決済（ユーザースキャン・JPQR）")
    # Only the settings this method needs are on show.
    assert page.get_by_label("JPQR店舗ID").is_visible()
    assert not page.get_by_label("収納代行会社コード").is_visible()
    page.get_by_label("JPQR店舗ID").fill("0000012345-004")
    page.get_by_label("MCC（加盟店業種コード）").fill("9399")
    page.get_by_label("加盟店名（ローマ字）").fill("NAGASAKI HSBC MEMORIAL")
    page.get_by_label("加盟店名（日本語）").fill("旧香港上海銀行記念館")
    page.get_by_label("加盟店所在市（ローマ字）").fill("Nagasaki")
    page.get_by_label("加盟店郵便番号").fill("850092")  # one digit short
    page.get_by_label("手数料率（%）").fill("1.98")
    page.get_by_label("入金サイクル").select_option(label="月1回")
    page.get_by_role("button", name="下書きを保存").click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "20-channel-refused-postal-code")
    assert (
        "半角数字7桁で入力してください（例: 0000001）。"
        in page.locator(".error-message").inner_text()
    )

    page.get_by_label("加盟店郵便番号").fill("8500921")
    page.locator("footer [data-w-dropdown-target=toggle]").first.click()
    page.get_by_role("button", name="決済チャネルの承認に提出する").click()
    page.wait_for_url(re.compile(re.escape(CHANNELS_URL) + "$"))
    assert "承認に提出しました" in page.locator(".messages").inner_text()
    screenshot(page, "21-channel-submitted")
    listing = page.locator("table.listing").inner_text()
    assert "承認待ち" in listing

    # Nothing reaches integrators while it waits for finance.
    response = _api(page, live_server, "services/20104")
    assert response.status == 200
    assert response.json()["channels"] == []

    page.context.clear_cookies()
    login(page, "kaikei", "kaikei-demo-2026")
    page.goto(f"{live_server.url}{CHANNELS_URL}")
    page.get_by_role("link", name=SERVICE).click()
    page.wait_for_load_state("networkidle")
    # Finance sees the code the channel would put on the counter before approving it.
    preview = page.get_by_role("img", name="JPQRコード")
    preview.scroll_into_view_if_needed()
    assert preview.evaluate("img => img.naturalWidth") > 0
    screenshot(page, "22-channel-finance-review")
    page.locator("footer [data-w-dropdown-target=toggle]").first.click()
    page.get_by_role("button", name="承認と公開", exact=True).click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "23-channel-approved")

    channel = ServiceChannel.objects.get(service__code="20104")
    assert channel.live

    response = _api(page, live_server, "services/20104")
    served = response.json()["channels"]
    assert [c["method"] for c in served] == ["qr_user_scan"]
    assert served[0]["configuration"]["jpqr_store_id"] == ["0000012345", "004"]
    png = page.request.get(
        served[0]["assets"][0]["png_url"], headers={"Authorization": f"Bearer {DEMO_TOKEN}"}
    )
    assert png.status == 200
    assert png.headers["content-type"] == "image/png"
    changes = _api(page, live_server, "changes").json()["items"]
    assert changes[-1]["service_code"] == "20104"
    assert changes[-1]["action"] == "published"


def test_service_page_shows_its_channels_and_the_counter_poster(
    demo, live_server, page, login, screenshot
):
    login(page, "kanko", "kanko-demo-2026")
    page.goto(f"{live_server.url}/admin/snippets/catalog/service/")
    page.get_by_role("link", name="20101").first.click()
    panel = page.locator("table.channel-panel")
    panel.scroll_into_view_if_needed()
    screenshot(page, "24-service-channels-panel")
    text = panel.inner_text()
    assert "コード決済（ユーザースキャン・JPQR）" in text
    assert "クレジットカード" in text
    assert "公開中" in text
    qr = panel.get_by_role("img", name="JPQRコード")
    assert qr.evaluate("img => img.naturalWidth") > 0

    with page.context.expect_page() as poster_page:
        panel.get_by_role("link", name="窓口掲示用A4ポスター").click()
    poster = poster_page.value
    poster.wait_for_load_state("networkidle")
    screenshot(poster, "25-counter-poster")
    assert "スマートフォンでお支払いいただけます" in poster.content()
    assert poster.get_by_role("img", name="JPQRコード").evaluate("img => img.naturalWidth") > 0
