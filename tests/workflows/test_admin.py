"""The rollout screens: the waves listing and page, asking for a move, and finance
approving, sending back or the requester withdrawing — as staff click through them."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError
from django.urls import reverse
from wagtail.models import WorkflowContentType

from catalog import roles
from channels.models import ServiceChannel
from workflows.models import GateItem, PhaseApprovalTask, PhaseMove, RolloutPlan
from workflows.phases import Phase
from workflows.services import move_request


@pytest.fixture
def other_wave(make_wave, make_department):
    """A wave of another department (its services are not the requester's)."""
    return make_wave(name="他部署の計画", in_department=make_department(name="市民課"))


def _text(response):
    return response.content.decode()


def test_listing_shows_a_department_admin_only_waves_of_their_services(
    client, wave, requester, make_wave, make_department, make_user, make_service_for
):
    theirs = make_department(name="市民課")
    service = make_service_for("credit_card", department=theirs)
    from workflows.services import plan_create

    plan_create(name="市民課の計画", methods=list(wave.methods.all()), services=[(service, True)])
    client.force_login(requester)
    page = _text(client.get(reverse("rollouts:index")))
    assert "窓口キャッシュレス" in page
    assert "市民課の計画" not in page


def test_a_wave_of_another_department_answers_404(
    client, requester, make_department, make_service_for, wave
):
    from workflows.services import plan_create

    service = make_service_for("credit_card", department=make_department(name="市民課"))
    plan = plan_create(name="他", methods=list(wave.methods.all()), services=[(service, True)])
    client.force_login(requester)
    assert client.get(reverse("rollouts:detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("rollouts:request", args=[plan.pk])).status_code == 404


def test_the_wave_page_shows_phase_gates_services_and_the_request_button(client, wave, requester):
    client.force_login(requester)
    page = _text(client.get(reverse("rollouts:detail", args=[wave.pk])))
    assert "先行導入" in page
    assert "横展開へのゲート条件" in page
    for link in wave.plan_services.all():
        assert link.service.name in page
    assert reverse("rollouts:request", args=[wave.pk]) in page


def test_asking_for_a_move_from_the_form_sends_it_to_finance(client, wave, requester):
    client.force_login(requester)
    form = client.get(reverse("rollouts:request", args=[wave.pk]))
    assert 'value="rollout"' in _text(form)
    assert "override_reason" not in _text(form)  # department administrators cannot override
    response = client.post(
        reverse("rollouts:request", args=[wave.pk]),
        {"to_phase": "rollout", "reason": "先行導入の結果が良好", "effective_at": ""},
        follow=True,
    )
    move = PhaseMove.objects.get()
    assert move.status == PhaseMove.Status.IN_REVIEW
    assert response.redirect_chain[-1][0] == reverse("rollout_moves:detail", args=[move.pk])
    assert "先行導入の結果が良好" in _text(response)
    wave.refresh_from_db()
    assert wave.phase == Phase.PILOT


def test_a_refused_move_keeps_the_form_and_says_why(client, wave, requester):
    client.force_login(requester)
    response = client.post(
        reverse("rollouts:request", args=[wave.pk]),
        {"to_phase": "operation", "reason": "飛ばしたい"},
    )
    assert response.status_code == 200
    assert "飛ばしたい" in _text(response)
    assert not PhaseMove.objects.exists()


def test_missing_reason_is_an_error_on_the_field(client, wave, requester):
    client.force_login(requester)
    response = client.post(reverse("rollouts:request", args=[wave.pk]), {"to_phase": "rollout"})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert not PhaseMove.objects.exists()


def test_unmet_gates_block_a_department_request_with_the_gate_named(client, make_wave, requester):
    wave = make_wave(channels=False)
    client.force_login(requester)
    response = client.post(
        reverse("rollouts:request", args=[wave.pk]),
        {"to_phase": "rollout", "reason": "急ぎ"},
    )
    assert response.status_code == 200
    assert not PhaseMove.objects.exists()
    errors = " ".join(response.context["form"].non_field_errors())
    assert "横展開のゲート条件を満たしていません" in errors
    assert "決済チャネルが設定されている" in errors


def test_finance_approves_on_the_request_page_and_the_channels_go_live(
    client, wave, requester, approver
):
    move = move_request(plan=wave, to_phase=Phase.ROLLOUT, user=requester, reason="良好")
    client.force_login(approver)
    page = _text(client.get(reverse("rollout_moves:detail", args=[move.pk])))
    assert reverse("rollout_moves:approve", args=[move.pk]) in page
    response = client.post(
        reverse("rollout_moves:approve", args=[move.pk]), {"comment": "承認します"}, follow=True
    )
    assert response.status_code == 200
    move.refresh_from_db()
    assert move.status == PhaseMove.Status.APPLIED
    assert ServiceChannel.objects.filter(live=True).count() == 2
    assert "横展開" in _text(response)


def test_the_requester_sees_no_approve_button_on_their_own_request(client, wave, make_user):
    finance_requester = make_user(roles.FINANCE)
    move = move_request(plan=wave, to_phase=Phase.ROLLOUT, user=finance_requester, reason="良好")
    client.force_login(finance_requester)
    page = _text(client.get(reverse("rollout_moves:detail", args=[move.pk])))
    assert reverse("rollout_moves:approve", args=[move.pk]) not in page
    response = client.post(reverse("rollout_moves:approve", args=[move.pk]), {"comment": ""})
    assert response.status_code == 200
    move.refresh_from_db()
    assert move.status == PhaseMove.Status.IN_REVIEW


def test_a_department_admin_cannot_approve(client, wave, requester, make_user, department):
    colleague = make_user(roles.DEPARTMENT_ADMIN, departments=[department])
    move = move_request(plan=wave, to_phase=Phase.ROLLOUT, user=requester, reason="良好")
    client.force_login(colleague)
    client.post(reverse("rollout_moves:approve", args=[move.pk]), {"comment": ""})
    move.refresh_from_db()
    assert move.status == PhaseMove.Status.IN_REVIEW


def test_two_approvers_the_first_approval_is_counted_on_the_page(
    client, wave, requester, approver, second_approver
):
    PhaseApprovalTask.objects.update(required_approvals=2)
    move = move_request(plan=wave, to_phase=Phase.ROLLOUT, user=requester, reason="良好")
    client.force_login(approver)
    response = client.post(
        reverse("rollout_moves:approve", args=[move.pk]), {"comment": ""}, follow=True
    )
    assert "承認 1 / 2 件" in _text(response)
    move.refresh_from_db()
    assert move.status == PhaseMove.Status.IN_REVIEW
    client.force_login(second_approver)
    client.post(reverse("rollout_moves:approve", args=[move.pk]), {"comment": ""})
    move.refresh_from_db()
    assert move.status == PhaseMove.Status.APPLIED


def test_send_back_needs_a_comment_and_then_a_new_request_is_possible(
    client, wave, requester, approver
):
    move = move_request(plan=wave, to_phase=Phase.ROLLOUT, user=requester, reason="良好")
    client.force_login(approver)
    response = client.post(reverse("rollout_moves:reject", args=[move.pk]), {"comment": ""})
    assert response.status_code == 200
    move.refresh_from_db()
    assert move.status == PhaseMove.Status.IN_REVIEW
    client.post(reverse("rollout_moves:reject", args=[move.pk]), {"comment": "証跡不足"})
    move.refresh_from_db()
    assert move.status == PhaseMove.Status.REJECTED
    client.force_login(requester)
    assert client.get(reverse("rollouts:request", args=[wave.pk])).status_code == 200


def test_the_requester_withdraws(client, wave, requester):
    move = move_request(plan=wave, to_phase=Phase.ROLLOUT, user=requester, reason="良好")
    client.force_login(requester)
    client.post(reverse("rollout_moves:withdraw", args=[move.pk]))
    move.refresh_from_db()
    assert move.status == PhaseMove.Status.CANCELLED


def test_an_open_request_sends_the_form_to_it(client, wave, requester):
    move = move_request(plan=wave, to_phase=Phase.ROLLOUT, user=requester, reason="良好")
    client.force_login(requester)
    response = client.get(reverse("rollouts:request", args=[wave.pk]))
    assert response.status_code == 302
    assert response.url == reverse("rollout_moves:detail", args=[move.pk])


def test_the_dashboard_lists_the_request_for_finance_with_a_link(client, wave, requester, approver):
    move = move_request(plan=wave, to_phase=Phase.ROLLOUT, user=requester, reason="良好")
    client.force_login(approver)
    page = _text(client.get(reverse("wagtailadmin_home")))
    assert reverse("rollout_moves:detail", args=[move.pk]) in page


def test_the_moves_listing_is_scoped(client, wave, requester, other_wave, approver):
    move_request(plan=wave, to_phase=Phase.ROLLOUT, user=requester, reason="良好")
    move_request(plan=other_wave, to_phase=Phase.SUSPENDED, user=approver, reason="停止")
    client.force_login(requester)
    page = _text(client.get(reverse("rollout_moves:index")))
    assert "窓口キャッシュレス" in page
    assert "他部署の計画" not in page


def test_finance_edits_the_schedule_with_month_fields(client, wave, approver):
    client.force_login(approver)
    response = client.get(reverse("rollouts:edit", args=[wave.pk]))
    assert response.status_code == 200
    assert 'type="month"' in _text(response)


@pytest.mark.parametrize(
    "report",
    [
        "wagtailadmin_reports:workflow",
        "wagtailadmin_reports:workflow_tasks",
        "wagtailadmin_reports:site_history",
    ],
)
def test_wagtail_reports_still_open_while_requests_are_in_review(client, wave, requester, report):
    move_request(plan=wave, to_phase=Phase.ROLLOUT, user=requester, reason="良好")
    admin = get_user_model().objects.create_superuser("root", password="pw-for-tests-only")
    client.force_login(admin)
    assert client.get(reverse(report)).status_code == 200


def test_a_workflow_saved_in_wagtails_settings_still_approves_moves(client, wave, requester):
    """Wagtail's workflow screen drops content types that are not pages or snippets when a
    workflow is saved; requests still find finance's approval task."""
    WorkflowContentType.objects.filter(
        content_type=ContentType.objects.get_for_model(PhaseMove)
    ).delete()
    move = move_request(plan=wave, to_phase=Phase.ROLLOUT, user=requester, reason="良好")
    assert move.current_workflow_task is not None


def test_gate_evidence_opens_for_staff_only(client, wave, requester):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    from workflows.setup import evidence_collection

    contract = get_document_model().objects.create(
        title="契約書（写し）",
        file=ContentFile(b"%PDF-1.4 contract", name="contract.pdf"),
        collection=evidence_collection(),
    )
    GateItem.objects.create(
        plan=wave, phase=Phase.ROLLOUT, label="契約", done=True, evidence=contract
    )
    anonymous = client.get(contract.url)
    assert anonymous.status_code == 302
    assert client.get(anonymous.url).url.startswith("/admin/login/?next=")
    client.force_login(requester)
    page = _text(client.get(reverse("rollouts:detail", args=[wave.pk])))
    assert contract.url in page
    served = client.get(contract.url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content).startswith(b"%PDF-1.4")


def test_a_scheduled_approval_names_the_date_in_japan_time(client, wave, requester, approver):
    import datetime as dt

    from django.utils import timezone

    when = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    move = move_request(
        plan=wave, to_phase=Phase.ROLLOUT, user=requester, reason="良好", effective_at=when
    )
    client.force_login(approver)
    response = client.post(
        reverse("rollout_moves:approve", args=[move.pk]), {"comment": ""}, follow=True
    )
    local = timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
    assert f"{local}に移行します" in _text(response)


def test_a_wave_with_requests_cannot_be_deleted(client, wave, requester):
    move_request(plan=wave, to_phase=Phase.ROLLOUT, user=requester, reason="良好")
    admin = get_user_model().objects.create_superuser("root", password="pw-for-tests-only")
    client.force_login(admin)
    response = client.post(reverse("rollouts:delete", args=[wave.pk]))
    assert response.status_code in (200, 302)
    assert RolloutPlan.objects.filter(pk=wave.pk).exists()
    assert PhaseMove.objects.filter(plan=wave).exists()


def test_an_approvers_name_outlives_their_account(wave, requester, approver):
    from workflows.services import move_approve

    move = move_request(plan=wave, to_phase=Phase.ROLLOUT, user=requester, reason="良好")
    move_approve(move=move, user=approver)
    name = approver.get_username()
    approver.delete()
    approval = move.approvals.get()
    assert approval.approver is None
    assert approval.approver_name == name


def test_finance_chooses_evidence_from_the_staff_only_collection(approver):
    from wagtail.documents import get_document_model
    from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy

    from workflows.setup import evidence_collection

    policy = CollectionOwnershipPermissionPolicy(get_document_model())
    collections = policy.collections_user_has_permission_for(approver, "add")
    assert list(collections) == [evidence_collection()]


def test_a_system_administrator_sets_how_many_approvers_a_move_needs(client, make_user):
    task = PhaseApprovalTask.objects.get()
    client.force_login(make_user(roles.SYSTEM_ADMIN))
    url = reverse("wagtailadmin_workflows:edit_task", args=[task.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert "必要な承認数" in _text(form)
    groups = list(task.groups.values_list("pk", flat=True))

    def save(required):
        data = {"name": task.name, "groups": groups, "required_approvals": required}
        return client.post(url, data)

    assert save("2").status_code == 302
    task.refresh_from_db()
    assert task.required_approvals == 2
    assert save("0").status_code == 200  # refused: at least one approver
    task.refresh_from_db()
    assert task.required_approvals == 2


@pytest.mark.parametrize("page", ["rollouts:detail", "rollouts:request"])
def test_a_wave_page_asks_the_database_the_same_number_of_times_for_more_services(
    client, make_wave, approver, page
):
    """Reading a wave of 12 services takes no more queries than one of 2."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(approver)

    def queries(wave):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(page, args=[wave.pk])).status_code == 200
        return len(captured)

    small = queries(make_wave(name="小", services=2, pilot=1))
    large = queries(make_wave(name="大", services=12, pilot=4))
    assert large == small


@pytest.mark.parametrize(
    ("error", "told", "status"),
    [
        (
            RuntimeError("決済代行業者のAPIが応答しません"),
            "承認は記録しました。移行を実施できませんでした: 決済代行業者のAPIが応答しません",
            PhaseMove.Status.FAILED,
        ),
        (
            OperationalError("database is locked"),
            "承認しました。1分以内に移行します。",
            PhaseMove.Status.APPROVED,
        ),
    ],
)
def test_an_approval_that_cannot_take_effect_now_says_what_happens(
    client, wave, requester, approver, monkeypatch, error, told, status
):
    def broken(*, channel, user=None):
        raise error

    monkeypatch.setattr("workflows.services.channel_switch_on", broken)
    move = move_request(plan=wave, to_phase=Phase.ROLLOUT, user=requester, reason="良好")
    client.force_login(approver)
    response = client.post(
        reverse("rollout_moves:approve", args=[move.pk]), {"comment": ""}, follow=True
    )
    assert told in _text(response)
    move.refresh_from_db()
    assert move.status == status


def test_the_waves_listing_asks_the_same_number_of_queries_for_more_waves(
    client, make_wave, approver
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(approver)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("rollouts:index")).status_code == 200
        return len(captured)

    make_wave(name="一")
    one = queries()
    for number in range(2, 8):
        make_wave(name=f"波{number}")
    assert queries() == one
