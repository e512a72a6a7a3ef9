"""Questions are kept with how they went; the ones answered badly wait on the learning page, similar ones
together, until an admin adds them to an entry, after which they are answered at once."""

import pytest

from core.errors import NotFound
from knowledge import actions
from knowledge.models import Question
from knowledge.queries import questions_to_learn

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipping(member):
    actions.create_entry(
        member, language="en", question="Can I pay by card?", answer="Yes: Visa, Mastercard, Amex.", phrasings=[]
    )
    actions.create_entry(
        member, language="en", question="Do you gift wrap orders?", answer="Yes, for $3.", phrasings=["Gift wrapping?"]
    )
    return actions.create_entry(
        member,
        language="en",
        question="How long does delivery take?",
        answer="Orders ship within 2 business days.",
        phrasings=["When will my order arrive?"],
    )


def test_each_question_is_kept_with_how_it_went(shipping, workspace, visitor):
    from conversations import actions as conversation_actions

    conversation = conversation_actions.send_visitor_message(visitor, text="hi", client_id="c1").message.conversation
    answered, kept = actions.ask(workspace, "When does my order arrive?", conversation=conversation)

    assert answered.confident and kept.outcome == Question.Outcome.ANSWERED
    assert (kept.best, kept.conversation, kept.language) == (shipping, conversation, "en")
    _, unsure = actions.ask(workspace, "What is the meaning of life?")
    assert unsure.outcome == Question.Outcome.SUGGESTED and unsure.helpful is None


def test_the_learning_page_groups_similar_misses_and_leaves_out_good_answers(shipping, workspace):
    for text in ("The courier lost my box!", "the courier lost my box", "What is the meaning of life?"):
        actions.ask(workspace, text)
    _, liked = actions.ask(workspace, "When will my order arrive?")
    actions.record_feedback(liked, helpful=True)
    _, disliked = actions.ask(workspace, "How long does delivery take?")
    actions.record_feedback(disliked, helpful=False)

    groups = questions_to_learn(workspace)

    assert sorted(q.text for q in groups[0].questions) == ["The courier lost my box!", "the courier lost my box"]
    texts = {q.text for g in groups for q in g.questions}
    assert "How long does delivery take?" in texts  # unhelpful
    assert "When will my order arrive?" not in texts
    assert "What is the meaning of life?" in texts


def test_learning_a_question_answers_it_from_then_on(shipping, member, workspace):
    question = "the courier lost my box"
    _, missed = actions.ask(workspace, question)
    actions.ask(workspace, question)
    assert not actions.ask(workspace, question)[0].confident

    actions.learn(member, missed, shipping)

    assert questions_to_learn(workspace) == []  # the same words asked again left the page too
    answered, kept = actions.ask(workspace, question)
    assert answered.confident and kept.best == shipping


def test_a_new_entry_from_a_question_answers_it(shipping, member, workspace):
    _, missed = actions.ask(workspace, "can you put a ribbon on it")
    assert questions_to_learn(workspace)[0].lead == missed

    entry = actions.create_entry_from(member, missed, answer="Yes: a satin ribbon, free with gift wrap.")

    assert entry.variants.get().question == "can you put a ribbon on it"
    assert actions.ask(workspace, "can you put a ribbon on it")[1].best == entry
    assert questions_to_learn(workspace) == []


def test_another_workspaces_questions_cannot_be_learned(shipping, workspace, other_member):
    _, missed = actions.ask(workspace, "the courier lost my box")
    with pytest.raises(NotFound):
        actions.learn(other_member, missed, shipping)
