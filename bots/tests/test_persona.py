"""The bot's persona: visitors see its name and picture on its messages, in the widget and in the inbox."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bots import actions, runtime
from bots.models import Bot
from conversations import actions as conversation_actions
from conversations.tests.test_uploads import GIF, png_bytes
from core.errors import InvalidInput
from widget.schemas import MessageOut

pytestmark = pytest.mark.django_db

FLOW = {
    "start": "hi",
    "blocks": [
        {"id": "hi", "type": "message", "text": "Hi, I am Mia.", "next": "ask"},
        {"id": "ask", "type": "ask", "text": "Your name?", "save_to": "var.name"},
    ],
}


@pytest.fixture
def bot(member) -> Bot:
    bot = actions.create_bot(member, name="Greeter", persona_name="Mia", flow=FLOW)
    actions.publish(member, bot)
    return actions.set_enabled(member, bot, enabled=True)


def editor(bot: Bot) -> str:
    return f"/settings/bots/{bot.public_id.hex}/"


def save_persona(client, bot: Bot, **fields):
    return client.post(f"{editor(bot)}rename/", {"name": bot.name, "persona_name": "Mia", **fields}, follow=True)


def picture(data: bytes = b"", name: str = "mia.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data or png_bytes(4, 4), content_type="image/png")


def bot_messages(visitor) -> list:
    sent = conversation_actions.send_visitor_message(visitor, text="Hello", client_id="v1")
    runtime.start_bot(sent.message.conversation_id)
    return list(sent.message.conversation.messages.filter(author_kind="bot").order_by("seq"))


def test_visitors_see_the_persona_picture_on_the_bots_messages(operator_client, bot, visitor):
    page = save_persona(operator_client, bot, persona_avatar=picture()).content.decode()

    bot.refresh_from_db()
    link = bot.avatar_link
    assert link.startswith("/widget/avatars/") and link.endswith(".png")
    assert f'src="{link}"' in page  # the editor shows it
    messages = bot_messages(visitor)
    assert [m.sender_avatar for m in messages] == [link, link]
    assert MessageOut.of(messages[0]).author.avatar_url == link  # what the widget gets

    served = operator_client.get(link)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    assert "immutable" in served["Cache-Control"] and served["X-Content-Type-Options"] == "nosniff"


def test_the_picture_is_named_by_its_content_not_its_file_name(member, bot):
    actions.set_persona_avatar(member, bot, picture(GIF, name="mia.png"))

    assert bot.avatar_link.endswith(".gif")


def test_messages_keep_the_picture_they_were_sent_with(member, bot, visitor, client):
    actions.set_persona_avatar(member, bot, picture())
    [first, _] = bot_messages(visitor)

    actions.set_persona_avatar(member, bot, picture(GIF, name="new.gif"))

    assert first.sender_avatar != bot.avatar_link
    assert client.get(first.sender_avatar).status_code == 200


def test_without_a_picture_messages_have_none(member, bot, visitor, operator_client):
    actions.set_persona_avatar(member, bot, picture())

    save_persona(operator_client, bot, remove_avatar="on")

    bot.refresh_from_db()
    assert bot.avatar_link == ""
    assert {m.sender_avatar for m in bot_messages(visitor)} == {""}
    assert MessageOut.of(bot_messages(visitor)[0]).author.avatar_url is None


@pytest.mark.parametrize(
    ("data", "name", "why"),
    [
        (b"%PDF-1.4\n%%EOF\n", "mia.png", "must be a PNG, JPEG, GIF or WebP"),
        (b"just text", "mia.txt", "must be a PNG, JPEG, GIF or WebP"),
        (png_bytes(400, 400) + b"\0" * 600_000, "big.png", "too large"),
    ],
)
def test_anything_but_a_small_picture_is_refused_and_changes_nothing(operator_client, bot, data, name, why):
    page = save_persona(
        operator_client, bot, persona_avatar=picture(data, name=name), persona_name="Changed"
    ).content.decode()

    assert why in page
    bot.refresh_from_db()
    assert bot.avatar_link == "" and bot.persona_name == "Mia"
    with pytest.raises(InvalidInput):
        actions.set_persona_avatar(bot.workspace.members.get(), bot, picture(data, name=name))


@pytest.mark.parametrize("name", ["../secret.png", "0" * 32 + ".svg", "attachments", "0" * 32 + ".png"])
def test_only_stored_persona_pictures_are_served(client, name):
    assert client.get(f"/widget/avatars/{name}").status_code == 404
