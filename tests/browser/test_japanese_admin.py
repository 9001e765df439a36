"""Everything a department administrator sees in the admin is Japanese.

Scans the visible text (and placeholders) of every screen they use for English words.
Wagtail 8.0's own Japanese catalog is incomplete; locale-wagtail/ fills the gaps.
"""

import re

import pytest

from catalog.models import Department, Facility, Service
from channels.models import ServiceChannel
from workflows.models import RolloutPlan

# Words that are the same in a Japanese admin: formats, data (usernames), and our names.
# Merchant names and cities in Latin letters are data: JPQR requires them so.
ALLOWED = {"CSV", "XLSX", "kanko", "sysadmin", "kaikei", "JPQR", "SVG", "PNG", "MCC"} | {
    "Excel",
    "xlsx",
    "NAGASAKI",
    "CITY",
    "DEJIMA",
    "Nagasaki",
}
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")

VISIBLE_TEXT = """() => {
    const skip = new Set(["SCRIPT", "STYLE", "TEMPLATE", "SELECT", "OPTION", "NOSCRIPT"]);
    const parts = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const element = walker.currentNode.parentElement;
        if (!element || skip.has(element.tagName) || element.closest("select")) continue;
        if (!element.checkVisibility({visibilityProperty: true})) continue;
        parts.push(walker.currentNode.textContent);
    }
    document.querySelectorAll("[placeholder]").forEach(e => {
        if (e.checkVisibility()) parts.push(e.getAttribute("placeholder"));
    });
    return parts.join("\\n");
}"""


def english_words(page):
    return sorted(set(ENGLISH_WORD.findall(page.evaluate(VISIBLE_TEXT))) - ALLOWED)


@pytest.fixture
def screens(demo):
    service = Service.objects.get(code="20101")
    facility = Facility.objects.get(code="0101")
    department = Department.objects.get(code="171")
    snippets = "/admin/snippets/catalog"
    channels = "/admin/snippets/channels/servicechannel"
    in_review = ServiceChannel.objects.get(service__code="20111")
    published = ServiceChannel.objects.get(service__code="20101", method__code="qr_user_scan")
    wave = RolloutPlan.objects.get(name="窓口キャッシュレス（観光施設）")
    return [
        "/admin/",
        f"{snippets}/service/",
        f"{snippets}/service/?route=counter&q=出島",
        f"{snippets}/service/add/",
        f"{snippets}/service/edit/{service.pk}/",
        f"{snippets}/service/history/{service.pk}/",
        f"{snippets}/service/inspect/{service.pk}/",
        f"{snippets}/service/usage/{service.pk}/",
        f"{snippets}/service/delete/{service.pk}/",
        f"{snippets}/facility/",
        f"{snippets}/facility/edit/{facility.pk}/",
        f"{snippets}/facility/usage/{facility.pk}/",
        f"{snippets}/department/",
        f"{snippets}/department/inspect/{department.pk}/",
        "/admin/account/",
        "/admin/account/change_password/",
        f"/admin/bulk/catalog/service/delete/?id={service.pk}",
        f"{snippets}/service/history/{service.pk}/revisions/compare/earliest...latest/",
        f"{snippets}/service/edit/{Service.objects.get(code='10101').pk}/",  # the 404 page
        f"{channels}/",
        f"{channels}/add/",
        f"{channels}/edit/{in_review.pk}/",
        f"{channels}/edit/{published.pk}/",
        f"{channels}/history/{published.pk}/",
        f"{channels}/?status=in_review",
        f"{channels}/unpublish/{published.pk}/",
        f"{channels}/workflow_history/{in_review.pk}/",
        "/admin/rollouts/",
        f"/admin/rollouts/{wave.pk}/detail/",
        f"/admin/rollouts/{wave.pk}/move/",
        "/admin/rollout_moves/",
        "/admin/rollouts/timeline/",
        "/admin/rollouts/timeline/?first_fy=2030&last_fy=2020",  # a refused range
        "/admin/kpis/",
        "/admin/kpis/?year=2024",
        "/admin/kpis/?year=1999",  # a refused year
    ]


def test_every_screen_of_a_department_administrator_is_japanese(
    live_server, page, login, screenshot, screens
):
    page.goto(f"{live_server.url}/admin/login/")
    assert english_words(page) == [], "login page"
    login(page, "kanko", "kanko-demo-2026")

    found = {}
    for path in screens:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        words = english_words(page)
        if words:
            found[path] = words
    assert found == {}

    # A refused form, the bulk-action bar, the filters and the chooser are Japanese too.
    page.goto(f"{live_server.url}/admin/snippets/catalog/service/add/")
    page.get_by_label("サービスコード").fill("12")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("半角数字5桁で入力してください").wait_for()
    screenshot(page, "10-service-refused")
    assert english_words(page) == []

    page.goto(f"{live_server.url}/admin/snippets/catalog/service/")
    page.get_by_role("checkbox").nth(1).check()
    page.get_by_text("1件を選択中").wait_for()
    assert english_words(page) == []

    page.goto(f"{live_server.url}/admin/snippets/catalog/service/")
    page.get_by_role("button", name="絞り込みを表示").click()
    page.get_by_role("button", name="収納方法").wait_for()
    page.wait_for_timeout(500)  # let the drawer finish opening before the screenshot
    screenshot(page, "08-service-filters")
    assert english_words(page) == []
    page.goto(f"{live_server.url}/admin/snippets/catalog/service/add/")
    page.get_by_role("button", name=re.compile("施設.*選択")).click()
    modal = page.locator(".modal-content")
    modal.wait_for()
    assert "19 施設" in modal.inner_text()  # 観光施設課 12 + 文化財課 7, nobody else's
    modal.get_by_placeholder("検索").fill("資料館")
    modal.get_by_text("0109 外海歴史民俗資料館").wait_for()
    screenshot(page, "09-facility-chooser")
    chooser = modal.inner_text()
    assert "0120 軍艦島資料館" in chooser
    assert "長崎原爆資料館" not in chooser  # 被爆継承課's
    assert english_words(page) == []
