from contacts.events import ContactMerged, ContactUpdated, VisitorIdentified
from conversations.events import (
    ConversationAssigned,
    ConversationClosed,
    ConversationCreated,
    ConversationRead,
    ConversationReopened,
    ConversationSnoozed,
    ConversationTagged,
    MessageCreated,
    NotificationCreated,
)
from visitors.events import VisitorActed
from workspaces.events import MemberAccessChanged, MemberPresenceChanged

Event = (
    ConversationCreated
    | ConversationClosed
    | ConversationReopened
    | ConversationSnoozed
    | ConversationAssigned
    | ConversationTagged
    | ConversationRead
    | MessageCreated
    | NotificationCreated
    | MemberPresenceChanged
    | MemberAccessChanged
    | VisitorIdentified
    | ContactUpdated
    | ContactMerged
    | VisitorActed
)

ALL_EVENTS = (
    ConversationCreated,
    ConversationClosed,
    ConversationReopened,
    ConversationSnoozed,
    ConversationAssigned,
    ConversationTagged,
    ConversationRead,
    MessageCreated,
    NotificationCreated,
    MemberPresenceChanged,
    MemberAccessChanged,
    VisitorIdentified,
    ContactUpdated,
    ContactMerged,
    VisitorActed,
)
