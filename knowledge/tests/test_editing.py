"""Editing entries: each language's text, ways to ask, kind, category, visibility, deleting. Only what changed is
encoded again; answering follows at once; admins only; another workspace's entry is not found."""

import pytest

from core.errors import Forbidden, InvalidInput, NotFound
from knowledge import actions
from knowledge.answering import Context, answer
from knowledge.embeddings import offline_encoder
from knowledge.models import Entry, Phrasing, Variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def encoded(monkeypatch) -> list[str]:
    """The texts the actions encode (answering a question encodes it elsewhere, not counted)."""
    texts: list[str] = []
    real = offline_encoder()

    class Counting:
        name = real.name

        def encode(self, batch: list[str]):
            texts.extend(batch)
            return real.encode(batch)

    monkeypatch.setattr(actions, "offline_encoder", lambda: Counting())
    return texts


@pytest.fixture
def shipping(member) -> Entry:
    actions.create_entry(member, language="en", question="Can I pay by card?", answer="Yes: Visa and Mastercard.")
    actions.create_entry(member, language="en", question="Do you gift wrap orders?", answer="Yes, for $3.")
    entry = actions.create_entry(
        member,
        language="en",
        question="How long does delivery take?",
        answer="Orders ship within 2 business days.",
        phrasings=["When will my order arrive?", "How many days is shipping?"],
        category="Delivery",
    )
    actions.add_variant(
        member, entry, language="ru", question="Сколько идёт доставка?", answer="Отправляем за 2 рабочих дня."
    )
    return entry


def vectors(entry: Entry) -> dict[str, tuple[int, bytes]]:
    return {p.text: (p.pk, bytes(p.vector)) for p in Phrasing.objects.filter(entry=entry)}


def test_a_new_answer_is_given_at_once_and_nothing_is_encoded_again(member, workspace, shipping, encoded):
    before = vectors(shipping)
    assert answer("When will my order arrive?", workspace).matches[0].variant.answer.startswith("Orders ship")

    actions.update_variant(
        member, shipping, language="en", question="How long does delivery take?", answer="  Same day in Almaty.  "
    )

    assert encoded == [] and vectors(shipping) == before
    found = answer("When will my order arrive?", workspace)
    assert found.confident and found.matches[0].variant.answer == "Same day in Almaty."


def test_a_changed_question_replaces_only_its_own_phrasing(member, workspace, shipping, encoded):
    before = vectors(shipping)

    actions.update_variant(
        member, shipping, language="en", question="How fast is delivery?", answer="Orders ship within 2 business days."
    )

    assert encoded == ["How fast is delivery?"]
    after = vectors(shipping)
    assert "How long does delivery take?" not in after
    assert {t: after[t] for t in before if t != "How long does delivery take?"} == {
        t: v for t, v in before.items() if t != "How long does delivery take?"
    }
    assert Variant.objects.get(entry=shipping, language="en").question == "How fast is delivery?"
    assert answer("How fast is delivery?", workspace).matches[0].entry == shipping


def test_a_question_shared_by_another_language_keeps_its_phrasing(member, shipping):
    actions.update_variant(member, shipping, language="ru", question="How long does delivery take?", answer="Да.")
    actions.update_variant(member, shipping, language="en", question="Delivery time?", answer="2 days.")

    assert Phrasing.objects.filter(entry=shipping, text="How long does delivery take?").exists()


def test_only_added_phrasings_are_encoded_and_removed_ones_are_not_matched(member, workspace, shipping, encoded):
    before = vectors(shipping)

    actions.add_phrasing(member, shipping, language="en", text="Where is my parcel?")
    actions.remove_phrasing(member, shipping, text="How many days is shipping?")

    assert encoded == ["Where is my parcel?"]
    after = vectors(shipping)
    assert set(after) == set(before) - {"How many days is shipping?"} | {"Where is my parcel?"}
    assert all(after[t] == before[t] for t in before if t in after)
    assert answer("Where is my parcel?", workspace).matches[0].entry == shipping


def test_the_question_itself_cannot_be_removed_as_a_phrasing(member, shipping):
    with pytest.raises(InvalidInput) as refused:
        actions.remove_phrasing(member, shipping, text="How long does delivery take?")
    assert refused.value.code == "phrasing_is_question"
    with pytest.raises(NotFound):
        actions.remove_phrasing(member, shipping, text="Never asked like this")
    assert shipping.phrasings.count() == 4


def test_a_variant_is_deleted_with_its_phrasings_but_never_the_last(member, shipping):
    actions.delete_variant(member, shipping, language="ru")

    assert list(shipping.variants.values_list("language", flat=True)) == ["en"]
    assert not shipping.phrasings.filter(language="ru").exists() and shipping.phrasings.count() == 3
    with pytest.raises(InvalidInput) as refused:
        actions.delete_variant(member, shipping, language="en")
    assert refused.value.code == "last_variant" and "delete the entry" in refused.value.detail
    assert shipping.variants.count() == 1
    with pytest.raises(NotFound):
        actions.delete_variant(member, shipping, language="ja")


def test_an_entry_made_internal_is_no_longer_given_to_visitors(member, workspace, shipping):
    assert answer("When will my order arrive?", workspace).matches[0].entry == shipping

    actions.update_entry(member, shipping, kind="article", category="  Shipping  ", public=False)

    shipping.refresh_from_db()
    assert (shipping.kind, shipping.category, shipping.public) == ("article", "Shipping", False)
    assert shipping not in [m.entry for m in answer("When will my order arrive?", workspace).matches]
    operators = answer("When will my order arrive?", workspace, Context(public_only=False))
    assert operators.matches[0].entry == shipping


def test_a_deleted_entry_is_no_longer_an_answer(member, workspace, shipping):
    actions.delete_entry(member, shipping)

    assert not Entry.objects.filter(pk=shipping.pk).exists() and not Phrasing.objects.filter(entry_id=shipping.pk)
    assert all(m.entry.pk != shipping.pk for m in answer("How long does delivery take?", workspace).matches)


def test_edits_are_checked_like_new_entries_and_change_nothing_when_refused(member, shipping, encoded):
    cases = [
        (
            lambda: actions.update_variant(member, shipping, language="en", question="  ", answer="A."),
            "question_missing",
        ),
        (
            lambda: actions.update_variant(member, shipping, language="en", question="Q?", answer="\u200b"),
            "answer_missing",
        ),
        (lambda: actions.update_variant(member, shipping, language="en", question="Q" * 501, answer="A."), "too_long"),
        (lambda: actions.update_entry(member, shipping, kind="video", category="", public=True), "invalid_kind"),
        (lambda: actions.update_entry(member, shipping, kind="faq", category="c" * 121, public=True), "too_long"),
    ]
    for edit, code in cases:
        with pytest.raises(InvalidInput) as refused:
            edit()
        assert refused.value.code == code
    with pytest.raises(NotFound):
        actions.update_variant(member, shipping, language="ja", question="Q?", answer="A.")
    shipping.refresh_from_db()
    assert (shipping.kind, shipping.category) == ("faq", "Delivery") and encoded == []
    assert Variant.objects.get(entry=shipping, language="en").question == "How long does delivery take?"


def test_agents_change_nothing(agent, shipping):
    edits = [
        lambda: actions.update_variant(agent, shipping, language="en", question="Q?", answer="A."),
        lambda: actions.delete_variant(agent, shipping, language="ru"),
        lambda: actions.remove_phrasing(agent, shipping, text="When will my order arrive?"),
        lambda: actions.update_entry(agent, shipping, kind="faq", category="", public=False),
        lambda: actions.delete_entry(agent, shipping),
    ]
    for edit in edits:
        with pytest.raises(Forbidden):
            edit()
    assert shipping.variants.count() == 2 and shipping.phrasings.count() == 4
    assert Entry.objects.get(pk=shipping.pk).public


def test_another_workspaces_entry_is_not_found(other_member, shipping):
    edits = [
        lambda: actions.update_variant(other_member, shipping, language="en", question="Q?", answer="A."),
        lambda: actions.delete_variant(other_member, shipping, language="ru"),
        lambda: actions.remove_phrasing(other_member, shipping, text="When will my order arrive?"),
        lambda: actions.update_entry(other_member, shipping, kind="faq", category="", public=False),
        lambda: actions.delete_entry(other_member, shipping),
    ]
    for edit in edits:
        with pytest.raises(NotFound):
            edit()
    assert Entry.objects.filter(pk=shipping.pk, public=True).exists() and shipping.variants.count() == 2


def test_every_edit_makes_answering_start_afresh(member, workspace, shipping, monkeypatch):
    from knowledge import answering

    forgotten: list[int] = []
    real = answering.forget
    monkeypatch.setattr(answering, "forget", lambda workspace_id: (forgotten.append(workspace_id), real(workspace_id)))
    edits = [
        lambda: actions.update_variant(member, shipping, language="en", question="Delivery time?", answer="2 days."),
        lambda: actions.remove_phrasing(member, shipping, text="When will my order arrive?"),
        lambda: actions.delete_variant(member, shipping, language="ru"),
        lambda: actions.update_entry(member, shipping, kind="faq", category="", public=True),
        lambda: actions.delete_entry(member, shipping),
    ]
    for done, edit in enumerate(edits, start=1):
        edit()
        assert forgotten == [workspace.pk] * done
