"""Reads of channels: the admin's (department-scoped, latest drafts) and the integrators'
(published only)."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import CharField, Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from wagtail.models import WorkflowState

from catalog.models import Service
from catalog.permissions import policy_for
from channels.configuration import ConfigKind
from channels.models import ChannelEvent, PaymentSlip, ServiceChannel


def with_status(channels):
    """``channels`` with what their status needs fetched in two queries, not one a row:
    the method, the service and the active workflow state (as Wagtail's page listings do)."""
    return channels.select_related("service", "method").prefetch_related(
        Prefetch(
            "_workflow_states",
            queryset=WorkflowState.objects.active().select_related("current_task_state__task"),
            to_attr="_current_workflow_states",
        )
    )


class ListingStatus(models.TextChoices):
    """What the channel listing filters by: the questions staff ask of it."""

    PUBLISHED = "published", _("Published")
    IN_REVIEW = "in_review", _("In review")
    NOT_PUBLISHED = "not_published", _("Not published")


def with_listing_status(channels, status):
    """``channels`` narrowed to one :class:`ListingStatus`."""
    if status == ListingStatus.PUBLISHED:
        return channels.filter(live=True)
    if status == ListingStatus.NOT_PUBLISHED:
        return channels.filter(live=False)
    # In review as ServiceChannel.status has it: a workflow in progress (not one sent back
    # with changes requested, which is a draft again).
    in_review = WorkflowState.objects.filter(
        status=WorkflowState.STATUS_IN_PROGRESS,
        base_content_type=ContentType.objects.get_for_model(ServiceChannel),
        object_id=Cast(OuterRef("pk"), CharField()),
    )
    return channels.filter(Exists(in_review))


def channels_with_latest_content(user, service):
    """``(channel, latest)`` for each channel of ``service`` the user may see, where
    ``latest`` is the channel as its newest revision has it (what staff are working on)."""
    channels = with_status(
        policy_for(ServiceChannel).scope(user, ServiceChannel.objects.filter(service=service))
    ).select_related("latest_revision")
    return [(channel, channel.get_latest_revision_as_object()) for channel in channels]


def scoped_channel(user, pk):
    """The channel ``pk`` if ``user`` may see it, else None (the caller answers 404)."""
    policy = policy_for(ServiceChannel)
    if not policy.user_has_permission(user, "view"):
        return None
    return (
        policy.scope(user, ServiceChannel.objects.select_related("method", "service"))
        .filter(pk=pk)
        .first()
    )


def published_channels():
    """Live channels only: what integrators may ever see."""
    return ServiceChannel.objects.filter(live=True).select_related("method")


def published_channel(service_code, method_code):
    return (
        published_channels()
        .select_related("service")
        .filter(service__code=service_code, method__code=method_code)
        .first()
    )


def with_published_channels(services):
    """``services`` with their published channels in ``.published`` (one more query)."""
    return services.prefetch_related(
        Prefetch(
            "channels",
            queryset=published_channels().select_related("service"),
            to_attr="published",
        )
    )


def api_service(code):
    """One service with its published channels, or None."""
    return with_published_channels(
        Service.objects.select_related("department", "facility").filter(code=code)
    ).first()


def api_services(*, department=None, method=None, status=None, updated_since=None):
    """Services for the integrator API, filtered, in code order.

    ``status`` is ``published`` (at least one published channel, of ``method`` when given)
    or ``none``; ``updated_since`` keeps services whose record changed, or one of whose
    channels was published, switched off or expired, at or after that moment.
    """
    services = Service.objects.select_related("department", "facility").order_by("code")
    live = published_channels().filter(service=OuterRef("pk"))
    if method:
        live = live.filter(method__code=method)
    if department:
        services = services.filter(department__code=department)
    if status == "none":
        services = services.exclude(Exists(live))
    elif method or status == "published":
        services = services.filter(Exists(live))
    if updated_since is not None:
        changed = ChannelEvent.objects.filter(
            service_code=OuterRef("code"), occurred_at__gte=updated_since
        )
        services = services.filter(Q(updated_at__gte=updated_since) | Exists(changed))
    return services


def channel_events_after(cursor, limit):
    """Up to ``limit`` change-feed events after ``cursor``, oldest first."""
    return list(ChannelEvent.objects.filter(cursor__gt=cursor).order_by("cursor")[:limit])


def published_slip_channels(service_ids):
    """``{service id: channel}``: the published convenience-store barcode channel (config
    kind SLIP_BARCODE) of each of ``service_ids`` that has one, in one query.

    A service may publish both barcode methods (convenience store and smartphone payment
    of the slip, which scans the same barcode); the first in method order (the convenience
    store) then decides the layout, so every slip of a service gets the same one.
    """
    channels = (
        published_channels()
        .filter(service_id__in=service_ids, method__config_kind=ConfigKind.SLIP_BARCODE)
        .order_by("method__sort_order", "method__code")
    )
    found = {}
    for channel in channels:
        found.setdefault(channel.service_id, channel)
    return found


def api_slip(slip_number):
    """One payment slip with its service, for the integrator API, or None."""
    return PaymentSlip.objects.select_related("service").filter(slip_number=slip_number).first()
