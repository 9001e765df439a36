"""Drafts, moderation, locking and scheduled publishing of payment channels.

A department administrator drafts a channel and submits it; finance (会計課) approves it,
and only then is it live and in the integrators' change feed. Scheduled changes are
applied by the django-q2 schedule that runs ``channels.tasks.publish_scheduled``.
"""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django_q.models import Schedule
from django_q.tasks import async_task
from wagtail.models import Revision, WorkflowState

from catalog import roles
from channels.models import ChannelEvent, ServiceChannel
from channels.selectors import published_channels
from channels.services import channel_submit, channel_unpublish
from channels.setup import ensure_channel_setup
from channels.tasks import PUBLISH_SCHEDULE_NAME, publish_scheduled
from tests.channels.conftest import channel_form, snippet_url


def events():
    return list(
        ChannelEvent.objects.order_by("cursor").values_list("action", "service_code", "method_code")
    )


def workflow_action_url(channel, action):
    task_state = channel.current_workflow_state.current_task_state
    return reverse(
        ServiceChannel.snippet_viewset.get_url_name("workflow_action"),
        args=[channel.pk, action, task_state.pk],
    )


def messages_of(response):
    return [str(message.message) for message in get_messages(response.wsgi_request)]


def move_schedule_into_the_past(channel, minutes=5):
    """Let time pass: the approved go-live moment of the channel is now behind us."""
    past = timezone.now() - dt.timedelta(minutes=minutes)
    for revision in Revision.objects.filter(pk=channel.latest_revision_id):
        revision.approved_go_live_at = past
        revision.content["go_live_at"] = past.isoformat()
        revision.save(update_fields=["approved_go_live_at", "content"])
    ServiceChannel.objects.filter(pk=channel.pk).update(go_live_at=past)
    return past


@pytest.fixture
def our_service(two_departments):
    return two_departments["our_service"]


@pytest.fixture
def client_as(client):
    def login(user):
        client.force_login(user)
        return client

    return login


# ---------------------------------------------------------------- drafts and approval


def test_a_department_administrator_drafts_and_submits_and_finance_approves(
    client_as, department_admin, finance, our_service
):
    client = client_as(department_admin)
    response = client.post(
        snippet_url(ServiceChannel, "add"),
        {**channel_form(our_service, "credit_card"), "action-submit": "1"},
    )
    assert response.status_code == 302
    channel = ServiceChannel.objects.get(service=our_service)
    assert channel.fee_rate == channel.get_latest_revision_as_object().fee_rate
    assert not channel.live
    assert channel.status == ServiceChannel.Status.IN_REVIEW
    assert not published_channels().filter(pk=channel.pk).exists()
    assert events() == []

    client = client_as(finance)
    response = client.post(workflow_action_url(channel, "approve"), {"comment": ""})
    assert response.status_code == 302

    channel.refresh_from_db()
    assert channel.live
    assert channel.status == ServiceChannel.Status.PUBLISHED
    assert published_channels().filter(pk=channel.pk).exists()
    assert events() == [("published", our_service.code, "credit_card")]
    assert channel.current_workflow_state is None


def test_saving_without_submitting_keeps_a_draft_nobody_reviews(
    client_as, department_admin, our_service
):
    client = client_as(department_admin)
    response = client.post(
        snippet_url(ServiceChannel, "add"), channel_form(our_service, "qr_user_scan")
    )
    assert response.status_code == 302
    channel = ServiceChannel.objects.get(service=our_service)
    assert channel.status == ServiceChannel.Status.DRAFT
    assert not channel.workflow_in_progress
    assert channel.revisions.count() == 1


def test_finance_approves_through_the_task_itself(make_channel, department_admin, finance):
    channel = make_channel("qr_user_scan", user=department_admin)
    channel_submit(channel=channel, user=department_admin)

    task_state = channel.current_workflow_state.current_task_state
    task_state.task.specific.on_action(task_state, finance, "approve")

    channel.refresh_from_db()
    assert channel.live
    assert [action for action, *_ in events()] == ["published"]


def test_a_submitted_channel_cannot_be_submitted_again(make_channel, department_admin):
    channel = make_channel("credit_card")
    channel_submit(channel=channel, user=department_admin)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        channel_submit(channel=channel, user=department_admin)
    assert refused.value.messages == ["This channel is already waiting for approval."]


def test_changes_requested_by_finance_leave_the_channel_unpublished(
    client_as, make_channel, department_admin, finance
):
    channel = make_channel("credit_card")
    channel_submit(channel=channel, user=department_admin)

    client = client_as(finance)
    client.post(workflow_action_url(channel, "reject"), {"comment": "手数料率を確認してください"})

    channel.refresh_from_db()
    assert not channel.live
    assert channel.status == ServiceChannel.Status.DRAFT
    assert channel.workflow_states.get().status == WorkflowState.STATUS_NEEDS_CHANGES
    assert events() == []


def test_a_department_administrator_cannot_publish_a_new_channel(
    client_as, department_admin, our_service
):
    client = client_as(department_admin)
    response = client.post(
        snippet_url(ServiceChannel, "add"),
        {**channel_form(our_service, "credit_card"), "action-publish": "1"},
    )
    assert response.status_code == 302
    channel = ServiceChannel.objects.get(service=our_service)
    assert not channel.live
    assert channel.status == ServiceChannel.Status.DRAFT
    assert events() == []


def test_a_department_administrator_cannot_publish_an_edit(
    client_as, make_channel, department_admin, our_service
):
    channel = make_channel("credit_card", service=our_service)
    client = client_as(department_admin)
    response = client.post(
        snippet_url(ServiceChannel, "edit", channel.pk),
        {**channel_form(our_service, "credit_card", merchant_id="M-0002"), "action-publish": "1"},
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert not channel.live
    assert channel.get_latest_revision_as_object().merchant_id == "M-0002"
    assert events() == []


def test_a_department_administrator_cannot_approve_their_own_request(
    client_as, make_channel, department_admin, our_service
):
    channel = make_channel("credit_card", service=our_service)
    channel_submit(channel=channel, user=department_admin)

    client = client_as(department_admin)
    response = client.post(workflow_action_url(channel, "approve"), {"comment": ""})

    # Wagtail's answer to a missing permission: back to the dashboard.
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    channel.refresh_from_db()
    assert not channel.live
    assert channel.status == ServiceChannel.Status.IN_REVIEW


def test_finance_publishes_and_switches_off_directly(client_as, make_channel, finance, our_service):
    channel = make_channel("credit_card", service=our_service)
    client = client_as(finance)
    response = client.post(
        snippet_url(ServiceChannel, "edit", channel.pk),
        {**channel_form(our_service, "credit_card"), "action-publish": "1"},
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.live

    response = client.post(snippet_url(ServiceChannel, "unpublish", channel.pk))
    assert response.status_code == 302
    channel.refresh_from_db()
    assert not channel.live
    assert [action for action, *_ in events()] == ["published", "unpublished"]


def test_a_department_administrator_cannot_switch_a_channel_off(
    client_as, make_channel, department_admin, our_service
):
    channel = make_channel("credit_card", service=our_service, publish=True)
    client = client_as(department_admin)
    client.post(snippet_url(ServiceChannel, "unpublish", channel.pk))
    channel.refresh_from_db()
    assert channel.live
    assert [action for action, *_ in events()] == ["published"]


def test_a_department_administrator_cannot_delete_a_published_channel(
    client_as, make_channel, department_admin, our_service
):
    live = make_channel("credit_card", service=our_service, publish=True)
    draft = make_channel("e_money", service=our_service)
    client = client_as(department_admin)

    listing = client.get(snippet_url(ServiceChannel, "list")).content.decode()
    assert snippet_url(ServiceChannel, "delete", live.pk) not in listing  # not offered
    assert snippet_url(ServiceChannel, "delete", draft.pk) in listing
    client.post(snippet_url(ServiceChannel, "delete", live.pk))
    bulk = (
        reverse("wagtail_bulk_action", args=["channels", "servicechannel", "delete"])
        + f"?id={live.pk}"
    )
    client.post(bulk)

    assert ServiceChannel.objects.filter(pk=live.pk, live=True).exists()
    assert [action for action, *_ in events()] == ["published"]
    # A draft nobody has published is theirs to throw away.
    client.post(snippet_url(ServiceChannel, "delete", draft.pk))
    assert not ServiceChannel.objects.filter(pk=draft.pk).exists()


def test_finance_may_delete_a_published_channel_and_integrators_are_told(
    client_as, make_channel, system_admin, our_service
):
    live = make_channel("credit_card", service=our_service, publish=True)

    client_as(system_admin).post(snippet_url(ServiceChannel, "delete", live.pk))

    assert not ServiceChannel.objects.filter(pk=live.pk).exists()
    assert [action for action, *_ in events()] == ["published", "unpublished"]


def test_integrators_keep_the_published_configuration_while_an_edit_awaits_approval(
    client_as, make_channel, department_admin, finance, our_service
):
    channel = make_channel("credit_card", service=our_service, publish=True)
    client = client_as(department_admin)
    client.post(
        snippet_url(ServiceChannel, "edit", channel.pk),
        {**channel_form(our_service, "credit_card", merchant_id="M-NEW"), "action-submit": "1"},
    )
    channel.refresh_from_db()
    assert channel.get_latest_revision_as_object().merchant_id == "M-NEW"
    assert published_channels().get(pk=channel.pk).merchant_id == "M-0001"
    assert channel.status == ServiceChannel.Status.PUBLISHED

    client = client_as(finance)
    client.post(workflow_action_url(channel, "approve"), {"comment": ""})

    assert published_channels().get(pk=channel.pk).merchant_id == "M-NEW"
    assert [action for action, *_ in events()] == ["published", "published"]


def test_switching_off_records_an_unpublished_event(make_channel, finance):
    channel = make_channel("e_money", publish=True)
    channel_unpublish(channel=channel, user=finance)
    channel.refresh_from_db()
    assert not channel.live
    assert events()[-1] == ("unpublished", channel.service.code, "e_money")


# ---------------------------------------------------------------- locking


def test_a_channel_locked_by_one_user_cannot_be_saved_by_another(
    client_as, make_channel, make_user, department_admin, two_departments, our_service
):
    colleague = make_user(roles.DEPARTMENT_ADMIN, departments=[two_departments["ours"]])
    channel = make_channel("credit_card", service=our_service)

    client = client_as(department_admin)
    response = client.post(snippet_url(ServiceChannel, "lock", channel.pk))
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.locked and channel.locked_by == department_admin

    client = client_as(colleague)
    response = client.post(
        snippet_url(ServiceChannel, "edit", channel.pk),
        channel_form(our_service, "credit_card", merchant_id="M-OTHER"),
    )
    assert response.status_code == 200
    with translation.override("ja"):
        expected = translation.gettext("The %(model_name)s could not be saved as it is locked") % {
            "model_name": ServiceChannel._meta.verbose_name
        }
    assert expected in messages_of(response)[0]
    channel.refresh_from_db()
    assert channel.revisions.count() == 1
    assert channel.get_latest_revision_as_object().merchant_id == "M-0001"

    # The one who locked it can still save.
    client = client_as(department_admin)
    response = client.post(
        snippet_url(ServiceChannel, "edit", channel.pk),
        channel_form(our_service, "credit_card", merchant_id="M-MINE"),
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.get_latest_revision_as_object().merchant_id == "M-MINE"


# ---------------------------------------------------------------- scheduled publishing


def test_a_change_approved_for_later_is_published_by_the_schedule_exactly_once(make_channel):
    later = timezone.now() + dt.timedelta(days=1)
    channel = make_channel("qr_user_scan", publish=True, go_live_at=later)
    assert not channel.live
    assert channel.status == ServiceChannel.Status.SCHEDULED
    assert events() == []

    publish_scheduled()  # not due yet
    channel.refresh_from_db()
    assert not channel.live

    move_schedule_into_the_past(channel)
    publish_scheduled()
    publish_scheduled()

    channel.refresh_from_db()
    assert channel.live
    assert channel.status == ServiceChannel.Status.PUBLISHED
    assert events() == [("published", channel.service.code, "qr_user_scan")]


def test_after_the_worker_was_down_the_next_run_catches_up(make_channel):
    later = timezone.now() + dt.timedelta(days=1)
    first = make_channel("credit_card", publish=True, go_live_at=later)
    second = make_channel("e_money", publish=True, go_live_at=later)
    move_schedule_into_the_past(first, minutes=60 * 24 * 3)
    move_schedule_into_the_past(second, minutes=60)

    publish_scheduled()

    assert set(published_channels().values_list("pk", flat=True)) == {first.pk, second.pk}
    assert sorted(method for _action, _service, method in events()) == ["credit_card", "e_money"]


def test_approving_a_dated_change_schedules_it_without_publishing(
    client_as, department_admin, finance, our_service
):
    go_live = timezone.localtime() + dt.timedelta(days=7)
    client = client_as(department_admin)
    client.post(
        snippet_url(ServiceChannel, "add"),
        {
            **channel_form(our_service, "credit_card", go_live_at=f"{go_live:%Y-%m-%d %H:%M}"),
            "action-submit": "1",
        },
    )
    channel = ServiceChannel.objects.get(service=our_service)
    client = client_as(finance)
    client.post(workflow_action_url(channel, "approve"), {"comment": ""})

    channel.refresh_from_db()
    assert not channel.live
    assert channel.status == ServiceChannel.Status.SCHEDULED
    assert events() == []

    move_schedule_into_the_past(channel)
    publish_scheduled()
    channel.refresh_from_db()
    assert channel.live
    assert [action for action, *_ in events()] == ["published"]


def test_an_expired_channel_is_switched_off_by_the_schedule(make_channel):
    channel = make_channel(
        "credit_card", publish=True, expire_at=timezone.now() + dt.timedelta(days=30)
    )
    assert channel.live
    ServiceChannel.objects.filter(pk=channel.pk).update(
        expire_at=timezone.now() - dt.timedelta(minutes=1)
    )

    publish_scheduled()
    publish_scheduled()

    channel.refresh_from_db()
    assert not channel.live
    assert channel.expired
    assert channel.status == ServiceChannel.Status.EXPIRED
    assert not published_channels().filter(pk=channel.pk).exists()
    assert [action for action, *_ in events()] == ["published", "expired"]


def test_a_channel_not_yet_expired_stays_live(make_channel):
    channel = make_channel(
        "credit_card", publish=True, expire_at=timezone.now() + dt.timedelta(days=30)
    )
    publish_scheduled()
    channel.refresh_from_db()
    assert channel.live


def test_the_schedule_exists_after_migrate_and_runs_the_task(make_channel):
    schedule = Schedule.objects.get(name=PUBLISH_SCHEDULE_NAME)
    assert schedule.func == "channels.tasks.publish_scheduled"
    assert import_string(schedule.func) is publish_scheduled
    assert schedule.repeats < 0  # for ever
    assert schedule.schedule_type == Schedule.MINUTES

    ensure_channel_setup()  # the next migrate neither duplicates nor resets it
    assert Schedule.objects.filter(name=PUBLISH_SCHEDULE_NAME).count() == 1

    channel = make_channel(
        "credit_card", publish=True, go_live_at=timezone.now() + dt.timedelta(days=1)
    )
    move_schedule_into_the_past(channel)
    async_task(schedule.func)  # the way a django-q2 worker runs it (synchronous in tests)
    channel.refresh_from_db()
    assert channel.live
