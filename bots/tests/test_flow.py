"""Flows are checked when saved: every problem is named with its block, nothing that could not run is kept."""

import pytest

from bots import actions
from bots.actions import FlowRejected
from bots.flow import Known, check_flow, render
from workspaces import actions as workspace_actions

NOTHING = Known(attributes=frozenset(), teams=frozenset(), members=frozenset())


def flow(*blocks: dict, start: str = "a") -> dict:
    return {"start": start, "blocks": list(blocks)}


def problems(data: object, known: Known = NOTHING) -> list[tuple[str | None, str]]:
    try:
        check_flow(data, known)
    except Exception as error:  # InvalidFlow
        return [(e.block, e.message) for e in error.errors]  # type: ignore[attr-defined]
    return []


def test_a_good_flow_passes():
    data = flow(
        {"id": "a", "type": "message", "text": "Hi {{contact.name}}", "next": "b"},
        {"id": "b", "type": "ask", "kind": "email", "text": "Email?", "save_to": "contact.email", "next": "c"},
        {"id": "c", "type": "condition", "rules": [{"field": "language", "op": "equals", "value": "ru", "next": "d"}]},
        {"id": "d", "type": "end", "text": "Bye", "close": True},
    )

    assert problems(data) == []


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ({"id": "a", "type": "message", "txt": "typo"}, "txt: Extra inputs are not permitted"),
        ({"id": "a", "type": "ask", "text": "Age?", "kind": "age"}, "kind: Input should be"),
        ({"id": "a", "type": "teleport"}, "does not match any of the expected tags"),
        ({"id": "a", "type": "ask", "text": "Pick", "kind": "choice"}, "A choice question needs its choices."),
        (
            {"id": "a", "type": "message", "text": "x", "next": "nowhere"},
            "It leads to “nowhere”, which does not exist.",
        ),
        ({"id": "a", "type": "ask", "text": "?", "save_to": "contact.shoe_size"}, "“shoe_size” does not exist"),
        ({"id": "a", "type": "handoff", "team": "0" * 32}, "The team it hands over to does not exist."),
    ],
)
def test_each_problem_is_named_with_its_block(block, expected):
    [(where, message)] = problems(flow(block))

    assert where == "a" and expected in message


def test_a_block_without_an_id_is_named_by_its_place():
    [(where, _)] = problems(flow({"id": "a", "type": "message"}, {"type": "message"}))

    assert where == "#2"


def test_a_missing_start_and_duplicate_ids_are_refused():
    found = problems(flow({"id": "b", "type": "message"}, {"id": "b", "type": "end"}))

    assert (None, "The start block “a” does not exist.") in found
    assert ("b", "Two blocks have this id.") in found


def test_a_loop_that_never_waits_is_refused_but_a_loop_through_a_question_is_fine():
    endless = flow({"id": "a", "type": "message", "text": "hi", "next": "b"}, {"id": "b", "type": "jump", "to": "a"})
    asking = flow(
        {"id": "a", "type": "ask", "text": "Again?", "kind": "choice", "choices": [{"label": "Yes", "next": "b"}]},
        {"id": "b", "type": "jump", "to": "a"},
    )

    assert problems(endless) == [("a", "It is part of a loop that never waits for the visitor.")]
    assert problems(asking) == []


def test_known_attributes_teams_and_members_pass():
    known = Known(attributes=frozenset({"plan"}), teams=frozenset({"t" * 32}), members=frozenset())
    data = flow(
        {"id": "a", "type": "set", "assign": [{"target": "contact.plan", "value": "pro"}], "next": "b"},
        {"id": "b", "type": "handoff", "team": "t" * 32},
    )

    assert problems(data, known) == []


def test_variables_fill_in_and_unknown_ones_vanish():
    values = {"contact": {"name": "Dana"}, "var": {"coupon": "MUG5"}}

    assert render("Hi {{contact.name}}, use {{ var.coupon }}{{var.nope}}!", values) == "Hi Dana, use MUG5!"
    assert render("Hi {{contact.company}} there", values) == "Hi there"


@pytest.mark.django_db
def test_saving_a_bad_draft_keeps_the_good_one_and_says_what_is_wrong(member):
    bot = actions.create_bot(member, name="Lead bot", persona_name="Mia")
    before = bot.draft

    with pytest.raises(FlowRejected) as rejected:
        actions.save_draft(member, bot, flow({"id": "a", "type": "message", "next": "zzz"}))

    bot.refresh_from_db()
    assert bot.draft == before
    assert [(e.block, e.message) for e in rejected.value.errors] == [("a", "It leads to “zzz”, which does not exist.")]


@pytest.mark.django_db
def test_publishing_freezes_a_version_that_later_drafts_do_not_change(member):
    bot = actions.create_bot(member, name="Lead bot", persona_name="Mia")
    first = actions.publish(member, bot)

    actions.save_draft(member, bot, flow({"id": "a", "type": "message", "text": "New text"}))
    second = actions.publish(member, bot)
    actions.save_draft(member, bot, flow({"id": "a", "type": "message", "text": "Draft only"}))

    first.refresh_from_db()
    bot.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert first.flow["blocks"][0]["text"] == "Hi! How can we help?"
    assert bot.published == second and second.flow["blocks"][0]["text"] == "New text"

    actions.roll_back(member, bot, first)
    bot.refresh_from_db()
    assert bot.published == first and bot.draft == first.flow


@pytest.mark.django_db
def test_a_duplicate_is_off_unpublished_and_independent(member):
    bot = actions.create_bot(member, name="Lead bot", persona_name="Mia")
    actions.publish(member, bot)
    actions.set_enabled(member, bot, enabled=True)

    copy = actions.duplicate(member, bot)

    assert copy.name == "Copy of Lead bot" and copy.draft == bot.draft
    assert not copy.enabled and copy.published is None
    with pytest.raises(Exception, match="Publish the bot before turning it on"):
        actions.set_enabled(member, copy, enabled=True)


@pytest.mark.django_db
def test_a_flow_may_hand_over_to_a_team_of_its_workspace_only(member, other_member):
    sales = workspace_actions.create_team(member, name="Sales")
    rival = workspace_actions.create_team(other_member, name="Rival sales")
    bot = actions.create_bot(member, name="Lead bot", persona_name="Mia")

    actions.save_draft(member, bot, flow({"id": "a", "type": "handoff", "team": sales.public_id.hex}))
    with pytest.raises(FlowRejected):
        actions.save_draft(member, bot, flow({"id": "a", "type": "handoff", "team": rival.public_id.hex}))


@pytest.mark.django_db
def test_only_admins_edit_bots(member, agent):
    bot = actions.create_bot(member, name="Lead bot", persona_name="Mia")

    with pytest.raises(Exception, match="admin"):
        actions.publish(agent, bot)
