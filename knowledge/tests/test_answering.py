"""answer(question, workspace): the right entry in the visitor's language, unsure about what the knowledge
base does not cover, better at once after a missed question is added as a phrasing, one workspace only."""

import pytest

from core.errors import Forbidden, InvalidInput, NotFound
from knowledge import actions
from knowledge.answering import Context, answer
from knowledge.models import Phrasing

pytestmark = pytest.mark.django_db

SHIPPING = "Orders ship within 2 business days; delivery takes 3-7 days."


@pytest.fixture
def faq(member):
    shipping = actions.create_entry(
        member,
        language="en",
        question="How long does delivery take?",
        answer=SHIPPING,
        phrasings=["When will my order arrive?", "How many days is shipping?"],
    )
    actions.add_variant(
        member, shipping, language="ja", question="配送にはどのくらいかかりますか？", answer="2営業日以内に発送します。"
    )
    actions.create_entry(
        member,
        language="en",
        question="Can I return an item?",
        answer="Returns are free within 30 days.",
        phrasings=["How do I send something back?"],
    )
    actions.create_entry(
        member,
        language="en",
        question="Which payment methods do you accept?",
        answer="Cards, PayPal and bank transfer.",
        phrasings=["Can I pay by card?"],
    )
    return shipping


def test_a_question_in_japanese_gets_the_japanese_answer(faq, workspace):
    found = answer("荷物はいつ届きますか", workspace)

    assert found.language == "ja" and found.confident
    assert found.matches[0].entry == faq
    assert found.matches[0].variant.language == "ja"


def test_without_a_variant_in_the_questions_language_the_entry_answers_in_its_own(faq, workspace):
    found = answer("¿Cuánto tarda el envío?", workspace)

    assert found.matches[0].entry == faq
    assert found.matches[0].variant.language == "en"  # the reply says it is in another language


def test_something_the_base_does_not_cover_is_not_answered(faq, workspace):
    assert not answer("Who won the football match last night?", workspace).confident


def test_a_missed_question_added_as_a_phrasing_is_answered_at_once(faq, member, workspace):
    question = "is my parcel stuck at customs"
    before = answer(question, workspace)

    actions.add_phrasing(member, faq, language="en", text=question)

    after = answer(question, workspace)
    assert after.matches[0].entry == faq and after.confident
    assert after.matches[0].score > before.matches[0].score


def test_another_workspaces_knowledge_is_never_used(faq, other_member):
    assert answer("How long does delivery take?", other_member.workspace).matches == []


def test_empty_and_huge_questions(faq, workspace):
    assert answer("   ", workspace).matches == []
    assert answer("How long does delivery take? " * 500, workspace).matches[0].entry == faq  # read in part


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"question": "  "}, "question_missing"),
        ({"answer": ""}, "answer_missing"),
        ({"question": "x" * 501}, "too_long"),
        ({"language": "xx"}, "invalid_language"),
        ({"kind": "poem"}, "invalid_kind"),
    ],
)
def test_bad_entries_are_refused_with_a_reason(member, fields, code):
    values = {"language": "en", "question": "Do you ship abroad?", "answer": "Yes, to 40 countries.", **fields}
    with pytest.raises(InvalidInput) as refused:
        actions.create_entry(member, **values)
    assert refused.value.code == code


def test_binary_junk_is_cleaned_and_phrasings_are_not_doubled(member):
    entry = actions.create_entry(
        member,
        language="en",
        question="Do you\x00 ship\u202e abroad?",
        answer="Yes.",
        phrasings=["Do you ship abroad?", "  do you   ship abroad?  "],
    )

    assert list(entry.phrasings.values_list("text", flat=True)) == ["Do you ship abroad?", "do you ship abroad?"]
    assert actions.add_phrasing(member, entry, language="en", text="Do you ship abroad?") is None


def test_only_admins_write_and_only_in_their_workspace(member, agent, other_member, faq):
    with pytest.raises(Forbidden):
        actions.create_entry(agent, language="en", question="Q?", answer="A.")
    with pytest.raises(NotFound):
        actions.add_phrasing(other_member, faq, language="en", text="Where is my order?")
    assert Phrasing.objects.filter(text="Where is my order?").count() == 0


def test_visitors_are_answered_from_public_entries_only_and_operators_from_all(member):
    internal = actions.create_entry(
        member, language="en", question="How do I refund an order in the admin?", answer="Refund.", public=False
    )
    actions.create_entry(member, language="en", question="Can I return an item?", answer="Within 30 days.")

    asked = "How do I refund an order in the admin?"
    assert internal not in [m.entry for m in answer(asked, member.workspace).matches]
    operator = answer(asked, member.workspace, Context(public_only=False))
    assert operator.matches[0].entry == internal
