"""The conversation row pushed to inbox pages is the row of the page's own list (one Jinja2 template)."""

import re

from django.utils import translation

from conversations import actions
from conversations.live import row_changed
from conversations.models import Conversation


def _row(html: str, conversation: Conversation) -> str:
    match = re.search(rf'<a class="row[^"]*" id="conv-row-{conversation.public_id.hex}".*?</a>', html, re.S)
    assert match, f"no row of {conversation.public_id.hex} in {html[:200]}"
    return match.group(0)


def test_the_pushed_row_is_the_row_of_the_list(operator_client, visitor, member):
    # given a tagged, assigned conversation whose last message is a private note
    conversation = actions.send_visitor_message(visitor, text="Where is my order?", client_id="1").message.conversation
    tag = actions.create_tag(member, name="Delivery", colour="#2a9d8f")
    actions.set_conversation_tags(member, conversation, [tag])
    actions.assign_conversation(member, conversation, assignee=member, team=None)
    actions.add_note(member, conversation, text="Checking with the warehouse", client_id="n1")
    conversation.refresh_from_db()

    # when its row is rendered for a push, and the list is fetched
    pushed = row_changed(conversation)
    listed = operator_client.get("/inbox/list/").content.decode()

    # then both are the same row, with what changed in it
    assert pushed.startswith('<div hx-swap-oob="afterbegin:#conversation-list">')
    assert _row(pushed, conversation) == _row(listed, conversation)
    row = _row(pushed, conversation)
    assert "Anna (note):" in row and "Checking with the warehouse" in row
    assert "Delivery" in row and f'data-tags="{tag.public_id.hex} "' in row
    assert f'data-assignee="{member.public_id.hex}"' in row and "→ Anna" in row
    assert f'href="/inbox/c/{conversation.public_id.hex}/"' in row


def test_the_row_shows_what_visitors_write_as_text(operator_client, visitor):
    conversation = actions.send_visitor_message(
        visitor, text='<script>alert(1)</script> "quoted"', client_id="1"
    ).message.conversation

    for html in (row_changed(conversation), operator_client.get("/inbox/list/").content.decode()):
        row = _row(html, conversation)
        assert "<script>" not in row
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in row


def test_the_row_is_in_the_pages_language(visitor):
    conversation = actions.send_visitor_message(visitor, text="Привет", client_id="1").message.conversation

    with translation.override("ru"):
        row = row_changed(conversation)

    assert 'title="Ждёт ответа"' in row and ">ждёт<" in row
    assert "<title>Чат на сайте</title>" in row
