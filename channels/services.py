"""Writes for payment channels, the change feed and integrator tokens.

Channels move through Wagtail's own actions (create, edit, publish, unpublish, workflows),
so the admin, the demo, the scheduler and the tests all go the same way and every step is
in the audit log. The change feed is written from Wagtail's ``published``/``unpublished``
signals (see :mod:`channels.signals`), whoever caused them.
"""

import datetime as dt

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.actions.create import CreateAction
from wagtail.log_actions import log
from wagtail.models import (
    APIToken,
    GroupApprovalTask,
    Workflow,
    WorkflowContentType,
    WorkflowTask,
)

from catalog import roles
from channels.models import ChannelEvent, FeedHead, IntegratorAccess, ServiceChannel

WORKFLOW_NAME = "決済チャネルの承認"
APPROVAL_TASK_NAME = "会計課の承認"
DEFAULT_TOKEN_LIFETIME = dt.timedelta(days=365)


def channel_create(*, service, method, user=None, publish=False, go_live_at=None, **config):
    """Create a channel (a draft, or published at once) with its first revision."""
    channel = ServiceChannel(service=service, method=method, go_live_at=go_live_at, **config)
    channel.live = False
    channel.full_clean()
    with transaction.atomic():
        CreateAction(channel, user=user, publish=publish).execute(skip_permission_checks=True)
    channel.refresh_from_db()  # publishing saved a copy made from the revision
    return channel


def channel_submit(*, channel, user):
    """Send the channel's latest revision to finance for approval."""
    workflow = channel.get_workflow()
    if workflow is None:
        raise ValidationError(_("No approval workflow is set up for payment channels."))
    if channel.workflow_in_progress:
        raise ValidationError(_("This channel is already waiting for approval."))
    with transaction.atomic():
        return workflow.start(channel, user)


def channel_publish(*, channel, user=None):
    """Publish the channel's latest revision (now, or at its ``go_live_at``)."""
    revision = channel.latest_revision or channel.save_revision(user=user)
    with transaction.atomic():
        revision.publish(user=user, skip_permission_checks=True)
    channel.refresh_from_db()
    return channel


def channel_switch_on(*, channel, user=None):
    """Publish the channel's latest revision now, whatever publishing date it carries.

    A rollout wave switches its channels on when finance's approval of the phase move takes
    effect; that approval decides the date, so a ``go_live_at`` still ahead (or an
    ``expire_at`` already past) on the draft is dropped in a new revision first.
    """
    now = timezone.now()
    revision = channel.latest_revision or channel.save_revision(user=user)
    draft = revision.as_object()
    if (draft.go_live_at and draft.go_live_at > now) or (
        draft.expire_at and draft.expire_at <= now
    ):
        draft.go_live_at = None
        draft.expire_at = None
        revision = draft.save_revision(user=user)
    with transaction.atomic():
        revision.publish(user=user, skip_permission_checks=True)
    channel.refresh_from_db()
    return channel


def channel_unpublish(*, channel, user=None):
    """Switch a published channel off; its configuration stays as a draft."""
    with transaction.atomic():
        channel.unpublish(user=user)
    return channel


def record_event(*, channel, action):
    """Append an event to the change feed, numbered in commit order.

    The feed head's row stays locked until the surrounding transaction commits, so a
    later cursor can never become visible before an earlier one: a poller that asks for
    everything after the last cursor it saw misses nothing.
    """
    with transaction.atomic():
        head, _created = FeedHead.objects.select_for_update().get_or_create(pk=1)
        head.last_cursor += 1
        head.save(update_fields=["last_cursor"])
        return ChannelEvent.objects.create(
            cursor=head.last_cursor,
            action=action,
            channel=channel if channel.pk else None,
            service_code=channel.service.code,
            method_code=channel.method.code,
        )


def ensure_approval_workflow():
    """The finance approval workflow for channels; created once, kept as staff edit it."""
    workflow, created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if created:
        task, _task_created = GroupApprovalTask.objects.get_or_create(name=APPROVAL_TASK_NAME)
        task.groups.set([Group.objects.get(name=roles.FINANCE)])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    content_type = ContentType.objects.get_for_model(ServiceChannel)
    WorkflowContentType.objects.get_or_create(
        content_type=content_type, defaults={"workflow": workflow}
    )
    return workflow


def api_token_issue(*, name, user, scopes, expires_at=None):
    """Issue an integrator token; returns ``(access, plaintext)``. The plaintext exists only
    in this return value: the database keeps a digest."""
    scopes = sorted(set(scopes))
    unknown = set(scopes) - set(IntegratorAccess.Scope.values)
    if unknown or not scopes:
        raise ValidationError({"scopes": _("Choose at least one of the listed scopes.")})
    expires_at = expires_at or timezone.now() + DEFAULT_TOKEN_LIFETIME
    if expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    with transaction.atomic():
        token, plaintext = APIToken.create_token(user=user, name=name)
        access = IntegratorAccess.objects.create(
            token=token, scopes=scopes, expires_at=expires_at, issued_by=user
        )
        log(token, "wagtail.apitoken.create", user=user, data={"scopes": scopes})
    return access, plaintext


def api_token_revoke(*, access, user=None):
    """Revoke a token: it answers 401 from the next request on."""
    if access.token.revoked_at is None:
        access.token.revoke()
        log(access.token, "wagtail.apitoken.revoke", user=user)
    return access
