"""What a condition block asks of the world beyond the conversation: the contact's segments, the inbox's
business hours and operators, the time where the business is."""

from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext

from bots.flow import WEEKDAYS
from contacts.models import Contact, Segment
from contacts.segments import segment_filter
from conversations.models import Conversation
from core.errors import NotFound
from widget.availability import within_hours
from widget.models import WidgetSettings
from widget.queries import availability_of, operators_online, widget_settings


def fact(conversation: Conversation, name: str, segment_name: str = "") -> bool:
    """segment (the contact is in the segment named `segment_name`), business_hours, operators_online."""
    if name == "segment":
        return _in_segment(conversation, segment_name)
    if name == "business_hours":
        settings = widget_settings(conversation.inbox)
        by_hours = settings.availability in (
            WidgetSettings.Availability.HOURS,
            WidgetSettings.Availability.HOURS_AND_PRESENCE,
        )
        return not by_hours or within_hours(settings, timezone.now())
    return operators_online(conversation.inbox)


def available(conversation: Conversation) -> bool:
    """Whether people answer in the conversation's inbox now, as its widget shows it (hours, presence)."""
    return availability_of(conversation.inbox).online


def local_clock(conversation: Conversation) -> dict[str, str]:
    """{"time": "18:05", "weekday": "sat"} in the inbox's time zone (the one its business hours are in)."""
    local = timezone.localtime(timezone.now(), ZoneInfo(widget_settings(conversation.inbox).time_zone))
    return {"time": f"{local:%H:%M}", "weekday": WEEKDAYS[local.weekday()]}


def _in_segment(conversation: Conversation, name: str) -> bool:
    segment = Segment.objects.filter(workspace_id=conversation.workspace_id, name=name).first()
    if segment is None:  # deleted or renamed since the flow was published: the run hands over with the reason
        raise NotFound(gettext("The segment “%(name)s” does not exist any more.") % {"name": name})
    contact_id = conversation.visitor.contact_id
    if contact_id is None:
        return False
    members = Contact.objects.filter(pk=contact_id).filter(segment_filter(conversation.workspace_id, segment.rules))
    return members.exists()
