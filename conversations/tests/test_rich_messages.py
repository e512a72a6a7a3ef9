"""Operators' Markdown, answer buttons and cards: stored checked, shown sanitised, never on visitors' text."""

import pytest
from django.test import Client

from accounts.actions import issue_api_token
from conversations import actions
from conversations.models import Message
from conversations.rich import message_html
from core.tests.fixtures import SITE
from widget.identity import sign_visitor_token

CARD = {
    "title": "Stoneware Mug",
    "text": "Hand-glazed, 350 ml.",
    "image_url": "https://shop.example.com/mug.jpg",
    "buttons": [{"label": "View", "url": "https://shop.example.com/mug"}],
}


@pytest.fixture
def api(member) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(member, name='bot').raw}")


@pytest.fixture
def conversation(visitor):
    return actions.send_visitor_message(visitor, text="**Hello** <b>there</b>", client_id="v1").message.conversation


def widget_messages(visitor) -> list[dict]:
    client = Client(HTTP_ORIGIN=SITE, HTTP_AUTHORIZATION=f"Bearer {sign_visitor_token(visitor)}")
    return client.get("/widget/api/v1/messages").json()["messages"]


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("**bold** and _italic_", "<p><strong>bold</strong> and <em>italic</em></p>"),
        (
            "see https://shop.example.com/faq",
            '<p>see <a href="https://shop.example.com/faq" target="_blank" rel="noopener noreferrer nofollow">'
            "https://shop.example.com/faq</a></p>",
        ),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("first\nsecond", "<p>first<br>\nsecond</p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("[click](javascript:alert(1))", "<p>[click](javascript:alert(1))</p>"),
        ('<img src=x onerror="alert(1)">', '<p>&lt;img src=x onerror="alert(1)"&gt;</p>'),
        ("# Not a heading", "<p># Not a heading</p>"),
    ],
)
def test_markdown_keeps_a_small_safe_subset(text, html):
    assert message_html(text) == html


def test_an_operator_reply_with_answer_buttons_and_a_card_reaches_the_widget(api, conversation, visitor):
    response = api.post(
        f"/api/v1/conversations/{conversation.public_id.hex}/messages",
        {"text": "Which **size**?", "quick_replies": ["Small", "Large", "Small"], "cards": [CARD]},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["quick_replies"] == ["Small", "Large"]
    reply = widget_messages(visitor)[-1]
    assert reply["html"] == "<p>Which <strong>size</strong>?</p>"
    assert reply["quick_replies"] == ["Small", "Large"]
    assert reply["cards"] == [CARD]


def test_a_visitors_markdown_stays_plain_text(conversation, visitor):
    message = widget_messages(visitor)[0]

    assert (message["text"], message["html"], message["quick_replies"], message["cards"]) == (
        "**Hello** <b>there</b>",
        "",
        [],
        [],
    )


def test_cards_alone_may_have_no_text(member, conversation):
    sent = actions.reply_to_conversation(member, conversation, text="", client_id=None, cards=[CARD])

    assert sent.message.rich == {"cards": [CARD]}


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        ({"quick_replies": ["x" * 41]}, "A quick reply can be at most 40 characters."),
        ({"quick_replies": [str(n) for n in range(11)]}, "Give at most 10 quick replies."),
        ({"cards": [{**CARD, "title": "", "image_url": ""}]}, "Each card needs a title"),
        ({"cards": [{**CARD, "image_url": "javascript:alert(1)"}]}, "must be http or https"),
        ({"cards": [{**CARD, "buttons": [{"label": "Go", "url": "data:text/html,hi"}]}]}, "must be http or https"),
        ({"cards": [{**CARD, "buttons": [{"label": "", "url": "https://x.example"}]}]}, "needs a label and a link"),
    ],
)
def test_bad_answer_buttons_or_cards_are_refused_and_nothing_is_stored(member, conversation, fields, detail):
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput, match=detail):
        actions.reply_to_conversation(member, conversation, text="Pick one", client_id=None, **fields)
    assert Message.objects.count() == 1


def test_the_rest_api_refuses_a_malformed_card_with_a_clear_error(api, conversation):
    response = api.post(
        f"/api/v1/conversations/{conversation.public_id.hex}/messages",
        {"text": "Look", "cards": [{"title": "Mug", "buttons": [{"label": "View", "url": "ftp://x.example"}]}]},
        content_type="application/json",
    )

    assert (response.status_code, response.json()["code"]) == (422, "invalid_rich_content")
    assert Message.objects.count() == 1


def test_the_inbox_reply_box_takes_answer_buttons_one_per_line(operator_client, conversation):
    response = operator_client.post(
        f"/inbox/c/{conversation.public_id.hex}/reply/",
        {"text": "Delivery or pickup?", "quick_replies": "Delivery\n\n  Pickup  \n"},
    )

    assert response.status_code == 200
    reply = Message.objects.get(seq=2)
    assert reply.rich == {"quick_replies": ["Delivery", "Pickup"]}
    assert "msg__answers" in response.content.decode()


def test_a_private_note_never_carries_answer_buttons(operator_client, conversation):
    operator_client.post(
        f"/inbox/c/{conversation.public_id.hex}/reply/", {"text": "internal", "note": "1", "quick_replies": "Yes"}
    )

    assert Message.objects.get(seq=2).rich == {}
