"""A rollout wave moved to 横展開, as the people involved do it: the department asks, finance
approves, the timeline shows it happened and integrators get the new channels."""

import re

from channels.demo import DEMO_TOKEN
from workflows.models import PhaseMove, RolloutPlan

WAVE = "窓口キャッシュレス（観光施設）"
NOT_PILOT = "20112"  # a covered service outside the pilot set: nothing live until 横展開


def _served_methods(page, live_server, code):
    response = page.request.get(
        f"{live_server.url}/api/v1/services/{code}",
        headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
    )
    assert response.status == 200
    return sorted(channel["method"] for channel in response.json()["channels"])


def test_department_asks_for_the_rollout_finance_approves_and_it_takes_effect(
    demo, live_server, page, login, screenshot
):
    assert _served_methods(page, live_server, NOT_PILOT) == []

    login(page, "kanko", "kanko-demo-2026")
    page.goto(f"{live_server.url}/admin/rollouts/")
    page.get_by_role("link", name=WAVE).click()
    page.wait_for_load_state("networkidle")
    assert "先行導入" in page.locator("header").inner_text()
    screenshot(page, "40-rollout-wave")

    page.get_by_role("link", name="フェーズ移行を申請する").click()
    page.wait_for_load_state("networkidle")
    # The department sees what the move needs and what it will switch on.
    target = page.locator("section", has_text="横展開へ移行する場合")
    assert "未達成" not in target.inner_text()
    assert "移行の実施時に有効化" in target.inner_text()
    page.get_by_label("横展開", exact=True).check()
    page.get_by_label("理由").fill("先行導入の2施設で精算差異なし。全施設へ展開したい。")
    screenshot(page, "41-rollout-request")
    page.get_by_role("button", name="会計課に申請する").click()
    page.wait_for_url(re.compile(r"/admin/rollout_moves/\d+/$"))
    assert "会計課に承認を依頼しました" in page.locator(".messages").inner_text()
    assert "承認待ち" in page.locator("[data-move-status]").inner_text()
    # The requester has no approve button; nothing has changed for integrators yet.
    assert page.get_by_role("button", name="承認", exact=True).count() == 0
    assert _served_methods(page, live_server, NOT_PILOT) == []

    page.context.clear_cookies()
    login(page, "kaikei", "kaikei-demo-2026")
    panel = page.locator("#rollout-moves-to-approve-section, [id^=rollout-moves-to-approve]")
    assert WAVE in panel.first.inner_text()
    screenshot(page, "42-rollout-dashboard")
    panel.first.get_by_role("link", name=WAVE).click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("コメント").fill("ゲート条件を確認しました。")
    screenshot(page, "43-rollout-approval")
    page.get_by_role("button", name="承認", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "導入計画は横展開になりました" in page.locator(".messages").inner_text()
    assert "実施済み" in page.locator("[data-move-status]").inner_text()

    move = PhaseMove.objects.get()
    assert move.status == PhaseMove.Status.APPLIED
    assert RolloutPlan.objects.get(name=WAVE).phase == "rollout"
    assert _served_methods(page, live_server, NOT_PILOT) == ["credit_card", "qr_user_scan"]

    page.goto(f"{live_server.url}/admin/rollouts/timeline/")
    page.wait_for_load_state("networkidle")
    actual = page.locator("svg rect.bar.actual", has_text=f"{WAVE} / 横展開")
    assert actual.count() == 1
    assert float(actual.get_attribute("width")) > 0
    assert page.locator("svg .late-mark").count() >= 1
    screenshot(page, "44-rollout-timeline")
    table = page.locator("table", has_text="フェーズ別スケジュール").first
    assert WAVE in table.inner_text()


def test_finance_sees_the_waves_the_requests_and_edits_the_schedule_by_month(
    demo, live_server, page, login, screenshot
):
    login(page, "kaikei", "kaikei-demo-2026")
    page.goto(f"{live_server.url}/admin/rollouts/")
    listing = page.locator("table.listing").inner_text()
    for name in (WAVE, "納付書のキャッシュレス決済・コンビニ納付", "電子申請に伴うオンライン決済"):
        assert name in listing
    screenshot(page, "45-rollout-waves")

    page.goto(f"{live_server.url}/admin/rollout_moves/")
    assert page.locator("h1").inner_text().strip() == "フェーズ移行の申請"
    screenshot(page, "46-rollout-requests")

    page.goto(f"{live_server.url}/admin/rollouts/")
    page.get_by_role("link", name=WAVE).click()
    page.get_by_role("link", name="計画を編集").click()
    page.get_by_role("tab", name="スケジュール").click()
    month = page.locator("input[type=month]").first
    assert re.fullmatch(r"\d{4}-\d{2}", month.input_value())
    screenshot(page, "47-rollout-edit-schedule")
    page.get_by_role("tab", name="ゲート条件").click()
    screenshot(page, "48-rollout-edit-gates")
