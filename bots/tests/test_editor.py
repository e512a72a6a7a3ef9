"""Settings → Bots: building a flow block by block, problems shown on their block, publishing, versions."""

import re

import pytest
from django.test import Client

from bots import actions, editing
from bots.models import Bot

pytestmark = pytest.mark.django_db


@pytest.fixture
def bot(member) -> Bot:
    return actions.create_bot(member, name="Lead bot", persona_name="Mia")


def url(bot: Bot, rest: str = "") -> str:
    return f"/settings/bots/{bot.public_id.hex}/{rest}"


def fresh(bot: Bot) -> Bot:
    return Bot.objects.get(pk=bot.pk)


def test_the_list_offers_ready_made_bots_and_installs_one(operator_client):
    page = operator_client.get("/settings/bots/").content.decode()
    assert "No bots yet" in page and "Lead qualification" in page

    response = operator_client.post("/settings/bots/ready-made/faq_menu/", follow=True)

    bot = Bot.objects.get()
    assert bot.enabled and bot.published is not None
    assert response.redirect_chain[-1][0] == url(bot)
    assert "FAQ menu" in response.content.decode()


def test_a_new_bot_starts_with_a_greeting(operator_client):
    operator_client.post("/settings/bots/new/", {"name": "Helper", "persona_name": "Mia"})

    bot = Bot.objects.get()
    page = operator_client.get(url(bot)).content.decode()
    assert 'data-block="welcome"' in page and "Hi! How can we help?" in page


def test_building_a_flow_block_by_block(operator_client, bot):
    operator_client.post(url(bot, "blocks/new/"), {"type": "ask", "after": "welcome"})
    operator_client.post(
        url(bot, "blocks/ask1/"),
        {
            "ask1-text": "Your email?",
            "ask1-kind": "email",
            "ask1-save_to": "contact.email",
            "ask1-skip_if_known": "on",
            "ask1-retry_text": "That is not an email.",
            "ask1-max_retries": "2",
        },
    )
    operator_client.post(url(bot, "blocks/new/"), {"type": "ask", "after": "ask1"})
    operator_client.post(url(bot, "blocks/new/"), {"type": "handoff", "after": "ask2"})
    saved = operator_client.post(
        url(bot, "blocks/ask2/"),
        {
            "ask2-text": "How many people?",
            "ask2-kind": "choice",
            "ask2-choices": "1-10\n11-200 -> handoff1 (+2)\n",
            "ask2-max_retries": "1",
        },
    )

    assert saved.status_code == 302
    assert fresh(bot).draft == {
        "start": "welcome",
        "blocks": [
            {"id": "welcome", "type": "message", "text": "Hi! How can we help?", "next": "ask1"},
            {
                "id": "ask1",
                "type": "ask",
                "text": "Your email?",
                "kind": "email",
                "save_to": "contact.email",
                "skip_if_known": True,
                "retry_text": "That is not an email.",
                "next": "ask2",
            },
            {
                "id": "ask2",
                "type": "ask",
                "text": "How many people?",
                "kind": "choice",
                "choices": [{"label": "1-10"}, {"label": "11-200", "next": "handoff1", "score": 2}],
                "max_retries": 1,
            },
            {"id": "handoff1", "type": "handoff"},
        ],
    }


def test_a_block_that_would_break_the_flow_is_not_saved_and_says_why(operator_client, bot):
    before = fresh(bot).draft

    response = operator_client.post(
        url(bot, "blocks/welcome/"), {"welcome-text": "Hi", "welcome-next": "welcome", "welcome-typing_seconds": ""}
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert "It is part of a loop that never waits for the visitor." in page
    assert 'class="block block--error" id="block-welcome"' in page
    assert fresh(bot).draft == before


def test_a_form_error_stays_on_its_block(operator_client, bot):
    operator_client.post(url(bot, "blocks/new/"), {"type": "task", "after": "welcome"})

    response = operator_client.post(url(bot, "blocks/task1/"), {"task1-title": "", "task1-due_in_days": "900"})

    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="block-task1"' in page and "Ensure this value is less than or equal to 365." in page


def test_choices_rules_and_mappings_read_from_lines_and_show_back(operator_client, bot):
    flow = {
        "start": "q",
        "blocks": [
            {
                "id": "q",
                "type": "ask",
                "text": "Size?",
                "kind": "choice",
                "choices": [{"label": "Big", "next": "c", "score": 2}],
            },
            {
                "id": "c",
                "type": "condition",
                "rules": [{"field": "var.score", "op": "greater", "value": "1", "next": "e"}],
            },
            {"id": "e", "type": "end"},
        ],
    }
    actions.save_draft(bot.workspace.members.get(), bot, flow)

    page = operator_client.get(url(bot)).content.decode()

    assert "Big -&gt; c (+2)" in page
    assert "var.score greater 1 -&gt; e" in page


def test_deleting_a_block_links_around_it(member, bot):
    flow, first = editing.add_block(bot.draft, "message", after="welcome")
    flow, second = editing.add_block(flow, "goal", after=first)

    flow = editing.delete_block(flow, first)

    assert [b["id"] for b in flow["blocks"]] == ["welcome", second]
    assert flow["blocks"][0]["next"] == second


def test_moving_and_picking_the_start(operator_client, bot):
    operator_client.post(url(bot, "blocks/new/"), {"type": "message", "after": "welcome"})
    operator_client.post(url(bot, "blocks/message1/move/"), {"direction": "up"})
    operator_client.post(url(bot, "blocks/message1/start/"))

    draft = fresh(bot).draft
    assert [b["id"] for b in draft["blocks"]] == ["message1", "welcome"] and draft["start"] == "message1"


def test_publish_roll_back_and_duplicate_from_the_page(operator_client, bot):
    operator_client.post(url(bot, "publish/"))
    operator_client.post(url(bot, "blocks/welcome/"), {"welcome-text": "Hello there"})
    operator_client.post(url(bot, "publish/"))
    first = fresh(bot).versions.get(number=1)

    page = operator_client.post(url(bot, f"versions/{first.public_id.hex}/roll-back/"), follow=True).content.decode()

    assert fresh(bot).published == first and "Version 1 runs again" in page
    operator_client.post(url(bot, "duplicate/"))
    assert Bot.objects.filter(name="Copy of Lead bot", enabled=False).exists()


def test_a_copy_keeps_what_the_bot_waits_for_and_how_it_treats_silence(member, bot):
    actions.set_trigger(member, bot, trigger="page_visited", config={"url_contains": "/pricing"}, inboxes=[])
    actions.set_silence(member, bot, remind_after=3, remind_text="Still here?", give_up_after=20, close=True)
    Bot.objects.filter(pk=bot.pk).update(abuse_limit=4, blocked_words=["scam"])

    copy = actions.duplicate(member, fresh(bot))

    assert copy.trigger_config == {"url_contains": "/pricing"}
    assert (copy.remind_after_minutes, copy.remind_text, copy.give_up_after_minutes, copy.close_when_silent) == (
        3,
        "Still here?",
        20,
        True,
    )
    assert (copy.abuse_limit, copy.blocked_words) == (4, ["scam"])


def test_the_silence_form(operator_client, bot):
    page = operator_client.get(url(bot)).content.decode()
    assert "When the visitor goes quiet" in page and 'name="remind_after_minutes" value="10"' in page
    assert re.search(r'value="hand_over"[^>]* checked', page)  # the default: people take over

    saved = operator_client.post(
        url(bot, "silence/"),
        {
            "remind_after_minutes": "5",
            "remind_text": " Are you there? ",
            "give_up_after_minutes": "15",
            "then": "close",
        },
        follow=True,
    )

    bot = fresh(bot)
    assert "running conversations follow it from now on" in saved.content.decode()
    assert (bot.remind_after_minutes, bot.remind_text, bot.give_up_after_minutes, bot.close_when_silent) == (
        5,
        "Are you there?",
        15,
        True,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"remind_after_minutes": "-1"}, "greater than or equal to 0"),
        ({"give_up_after_minutes": "20000"}, "from 0 to 10080"),
        ({"remind_after_minutes": "soon"}, "Enter a whole number"),
        ({"then": "explode"}, "Select a valid choice"),
        ({"remind_text": "x" * 501}, "at most 500 characters"),
    ],
)
def test_bad_silence_settings_are_refused_and_change_nothing(operator_client, bot, fields, message):
    good = {"remind_after_minutes": "5", "remind_text": "", "give_up_after_minutes": "15", "then": "close"}

    refused = operator_client.post(url(bot, "silence/"), {**good, **fields})

    assert refused.status_code == 422 and message in refused.content.decode()
    bot = fresh(bot)
    assert (bot.remind_after_minutes, bot.give_up_after_minutes, bot.close_when_silent) == (10, 30, False)


def test_agents_cannot_change_how_the_bot_treats_silence(bot, agent):
    client = Client()
    client.force_login(agent.user)

    refused = client.post(
        url(bot, "silence/"), {"remind_after_minutes": "0", "give_up_after_minutes": "0", "then": "close"}
    )

    assert refused.status_code == 403 and not fresh(bot).close_when_silent


def test_the_trigger_form(operator_client, bot, inbox):
    operator_client.post(url(bot, "publish/"))
    response = operator_client.post(
        url(bot, "trigger/"), {"trigger": "custom_event", "event": "cart_abandoned", "inboxes": [inbox.public_id.hex]}
    )
    bad = operator_client.post(url(bot, "trigger/"), {"trigger": "custom_event", "event": "two words"})

    bot = fresh(bot)
    assert response.status_code == 302
    assert (bot.trigger, bot.trigger_config, list(bot.inboxes.all())) == (
        "custom_event",
        {"event": "cart_abandoned"},
        [inbox],
    )
    assert bad.status_code == 422 and "Name the event" in bad.content.decode()

    stay = {"trigger": "page_visited", "url_contains": "/pricing", "after_seconds": "45"}
    assert operator_client.post(url(bot, "trigger/"), stay).status_code == 302
    assert fresh(bot).trigger_config == {"url_contains": "/pricing", "after_seconds": 45}
    assert 'name="after_seconds" value="45"' in operator_client.get(url(bot)).content.decode()


def test_agents_may_look_but_not_change(bot, agent):
    client = Client()
    client.force_login(agent.user)

    page = client.get(url(bot)).content.decode()
    refused = client.post(url(bot, "publish/"))

    assert "read-only" in page and refused.status_code == 403
    assert fresh(bot).published is None


def test_another_workspaces_bot_is_not_found(bot, other_member):
    client = Client()
    client.force_login(other_member.user)

    assert client.get(url(bot)).status_code == 404


def test_the_editor_reports_how_the_bot_does(operator_client, member, visitor, inbox):
    from bots import runtime
    from conversations import actions as conversation_actions
    from visitors import actions as visitor_actions

    flow = {
        "start": "q",
        "blocks": [
            {"id": "q", "type": "ask", "text": "Name?", "save_to": "var.name", "next": "g"},
            {"id": "g", "type": "goal", "name": "Named", "next": "h"},
            {"id": "h", "type": "handoff"},
        ],
    }
    bot = actions.create_bot(member, name="Namer", persona_name="Mia", flow=flow)
    actions.publish(member, bot)
    actions.set_enabled(member, bot, enabled=True)
    for n, answers in enumerate([["Dana"], ["Ask a human please"], []]):
        someone = visitor_actions.create_visitor(inbox, user_agent="Test", language="en")
        conversation = conversation_actions.send_visitor_message(
            someone, text="Hi", client_id=f"h{n}"
        ).message.conversation
        runtime.start_bot(conversation.pk)
        for i, answer in enumerate(answers):
            conversation_actions.send_visitor_message(someone, text=answer, client_id=f"a{n}{i}")
            runtime.hear_visitor(conversation.pk)

    page = operator_client.get(url(bot)).content.decode()

    assert '<dd data-stat="started">3</dd>' in page
    assert '<dd data-stat="finished">1 (33%)</dd>' in page
    assert 'data-reason="visitor_asked">The visitor asked for a person: 1' in page
    assert 'data-goal="Named">Named: 1' in page
    assert "3 reached · 1 dropped off" in page  # the question: one asked for a person there


def test_a_new_blocks_form_starts_from_the_defaults(operator_client, bot):
    flow, _ = editing.add_block(bot.draft, "task", after="welcome")
    actions.save_draft(bot.workspace.members.first(), bot, flow)
    page = operator_client.get(url(bot)).content.decode()
    assert 'name="task1-due_in_days" value="1"' in page  # not empty: the browser would refuse to send the form


def test_a_message_block_takes_quick_replies_and_a_card(operator_client, bot):
    fields = {
        "welcome-text": "Our bestseller",
        "welcome-buttons": "Tell me more\nNo thanks",
        "welcome-card_title": "Mug",
        "welcome-card_text": "350 ml",
        "welcome-card_links": "Order -> https://shop.example.com/mug",
    }
    assert operator_client.post(url(bot, "blocks/welcome/"), fields).status_code == 302
    block = fresh(bot).draft["blocks"][0]
    assert block["buttons"] == ["Tell me more", "No thanks"]
    assert block["card"] == {
        "title": "Mug",
        "text": "350 ml",
        "links": [{"label": "Order", "url": "https://shop.example.com/mug"}],
    }
    page = operator_client.get(url(bot)).content.decode()
    assert "Order -&gt; https://shop.example.com/mug" in page  # the form shows it again as it was typed

    bad = operator_client.post(url(bot, "blocks/welcome/"), {**fields, "welcome-card_links": "Order -> ftp://x"})
    assert bad.status_code == 422 and fresh(bot).draft["blocks"][0]["card"]["links"][0]["url"].startswith("https")


def test_a_set_block_records_events_to_put_contacts_in_segments(operator_client, bot):
    flow, _ = editing.add_block(bot.draft, "set", after="welcome")
    actions.save_draft(bot.workspace.members.first(), bot, flow)
    fields = {"set1-record_events": "lead_qualified, newsletter", "set1-add_tags": "lead"}
    assert operator_client.post(url(bot, "blocks/set1/"), fields).status_code == 302
    block = next(b for b in fresh(bot).draft["blocks"] if b["id"] == "set1")
    assert block["record_events"] == ["lead_qualified", "newsletter"] and block["add_tags"] == ["lead"]
    assert 'value="lead_qualified, newsletter"' in operator_client.get(url(bot)).content.decode()
