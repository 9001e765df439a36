"""The change feed follows Wagtail's own publish and unpublish signals, so an event is
recorded whoever switched a channel: finance in the admin, an approved workflow, the
scheduler or a command."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver
from wagtail.signals import published, unpublished

from channels.models import ChannelEvent, ServiceChannel
from channels.services import record_event


@receiver(published, sender=ServiceChannel)
def channel_published(sender, instance, **kwargs):
    # Wagtail also signals a publish scheduled for later; only a live channel changed.
    if instance.live:
        record_event(channel=instance, action=ChannelEvent.Action.PUBLISHED)


@receiver(unpublished, sender=ServiceChannel)
def channel_unpublished(sender, instance, **kwargs):
    action = ChannelEvent.Action.EXPIRED if instance.expired else ChannelEvent.Action.UNPUBLISHED
    record_event(channel=instance, action=action)


@receiver(pre_delete, sender=ServiceChannel)
def live_channel_deleted(sender, instance, **kwargs):
    if instance.live:
        record_event(channel=instance, action=ChannelEvent.Action.UNPUBLISHED)
