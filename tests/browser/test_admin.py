"""A department administrator's day in the Japanese admin, as a person would see it."""

import re

from catalog.models import Service


def test_department_admin_sees_only_their_services_and_edits_one(
    demo, live_server, page, login, screenshot
):
    login(page, "kanko", "kanko-demo-2026")
    screenshot(page, "01-dashboard-department-admin")
    # The admin speaks Japanese even though this browser asks for English.
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.get_by_role("heading", name="担当部署").is_visible()

    page.goto(f"{live_server.url}/admin/snippets/catalog/service/")
    screenshot(page, "02-services-department-admin")
    listing = page.locator("table.listing").inner_text()
    assert "出島 入場料（一般）" in listing
    assert "グラバー園 入場料（一般）" in listing
    for other_department in ["市税", "国民健康保険税", "長崎原爆資料館", "住民票の写し"]:
        assert other_department not in listing
    assert page.get_by_role("columnheader", name="サービスコード").is_visible()

    dejima = Service.objects.get(code="20101")
    page.get_by_role("link", name="20101").first.click()
    page.wait_for_url(re.compile(rf"/edit/{dejima.pk}/$"))
    assert page.get_by_label("標準金額（円）").input_value() == "520"
    page.get_by_label("標準金額（円）").fill("600")
    screenshot(page, "03-service-edit")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    assert "更新" in page.locator(".messages").inner_text()

    dejima.refresh_from_db()
    assert dejima.standard_amount == 600

    page.goto(f"{live_server.url}/admin/snippets/catalog/service/history/{dejima.pk}/")
    screenshot(page, "04-service-history")
    history = page.locator("table.listing").inner_text()
    assert "観光施設課" in history  # who: the demo user's name
    assert "編集" in history  # what: an edit, with a revision to compare

    their_tax = Service.objects.get(code="10101")
    response = page.goto(f"{live_server.url}/admin/snippets/catalog/service/edit/{their_tax.pk}/")
    screenshot(page, "05-other-department-refused")
    assert response.status == 404
    assert "市税" not in page.content()


def test_each_demo_role_logs_in_to_the_japanese_admin(demo, live_server, page, login, screenshot):
    for username, password, heading in [
        ("kaikei", "kaikei-demo-2026", "部署と収納対象"),
        ("sysadmin", "sysadmin-demo-2026", "部署と収納対象"),
    ]:
        login(page, username, password)
        screenshot(page, f"06-dashboard-{username}")
        assert page.get_by_role("heading", name=heading).is_visible()
        page.goto(f"{live_server.url}/admin/snippets/catalog/service/")
        assert "市税" in page.locator("table.listing").inner_text()
        screenshot(page, f"07-services-{username}")
        page.context.clear_cookies()
