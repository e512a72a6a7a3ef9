from conversations.events import (
    ConversationClosed,
    ConversationCreated,
    ConversationReopened,
    MessageCreated,
)

Event = ConversationCreated | ConversationClosed | ConversationReopened | MessageCreated

ALL_EVENTS = (ConversationCreated, ConversationClosed, ConversationReopened, MessageCreated)
