"""A compiled query gives what its queryset gives (related rows and converted values included), in one
query, compiled once per connection; a compiled insert or update stores what `save()` would."""

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, CharField, UUIDField
from django.utils import timezone

from conversations.actions import open_new_conversation
from conversations.models import Conversation, Message, Tag
from core.compiled import CompiledInsert, CompiledQuery, CompiledUpdate, Param
from visitors.models import Visitor

pytestmark = pytest.mark.django_db

built = []


def _visitor_query():
    built.append(1)
    return Visitor.objects.select_related("inbox__workspace").filter(
        public_id=Param("visitor", UUIDField()), inbox__widget_key=Param("key", CharField())
    )[:1]


VISITOR = CompiledQuery(_visitor_query)


def test_first_is_the_row_the_queryset_gives_with_its_related_rows(visitor, django_assert_num_queries):
    visitor.utm = {"source": "newsletter"}
    visitor.save(update_fields=["utm"])
    expected = Visitor.objects.select_related("inbox__workspace").get(pk=visitor.pk)

    with django_assert_num_queries(1):
        found = VISITOR.first(visitor=visitor.public_id.hex, key=visitor.inbox.widget_key)
        assert found is not None
        assert found.inbox.workspace.name == expected.inbox.workspace.name  # no query: selected together

    assert {f.attname: getattr(found, f.attname) for f in Visitor._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in Visitor._meta.concrete_fields
    }
    assert isinstance(found.public_id, uuid.UUID) and found.first_seen_at.tzinfo is not None
    assert found.utm == {"source": "newsletter"}
    assert found._state.adding is False  # saved as a loaded row is


def test_no_row_is_none_and_values_keep_apart(visitor):
    assert VISITOR.first(visitor=uuid.uuid4().hex, key=visitor.inbox.widget_key) is None
    assert VISITOR.first(visitor=visitor.public_id, key="another key") is None


def test_all_keeps_the_order(workspace, django_assert_num_queries):
    for name in ("vip", "billing", "refund"):
        Tag.objects.create(workspace=workspace, name=name)
    names = CompiledQuery(
        lambda: Tag.objects.filter(workspace_id=Param("workspace", BigIntegerField())).order_by("name")
    )
    with django_assert_num_queries(1):
        assert [t.name for t in names.all(workspace=workspace.pk)] == ["billing", "refund", "vip"]
    assert names.all(workspace=workspace.pk + 1) == []


def test_compiled_once_per_connection(visitor):
    built.clear()
    for _ in range(3):
        VISITOR.first(visitor=visitor.public_id.hex, key=visitor.inbox.widget_key)
    assert len(built) <= 1  # an earlier test of this process may have compiled it already


def test_missing_or_unknown_values_are_refused(visitor):
    with pytest.raises(TypeError, match="key, visitor"):
        VISITOR.first(visitor=visitor.public_id.hex)
    with pytest.raises(TypeError):
        VISITOR.first(visitor=visitor.public_id.hex, key="k", extra=1)


INSERT_MESSAGE = CompiledInsert(Message)
UPDATE_CONVERSATION = CompiledUpdate(Conversation)


def _stored(model, pk):
    row = model.objects.get(pk=pk)
    return {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}


def test_insert_stores_what_save_would(visitor, django_assert_num_queries):
    conversation = open_new_conversation(visitor)
    fields = {
        "text": "<b>hi</b> ✓",
        "rich": {"quick_replies": ["Yes"]},
        "client_id": None,
        "created_at": timezone.now(),
    }
    saved = Message.objects.create(conversation=conversation, seq=1, author_kind="visitor", **fields)

    with django_assert_num_queries(1):
        inserted = INSERT_MESSAGE(Message(conversation=conversation, seq=2, author_kind="visitor", **fields))

    assert inserted.pk is not None and inserted.pk != saved.pk
    assert inserted._state.adding is False and inserted._state.db == "default"  # a later save() updates it
    own = {"id": inserted.pk, "public_id": inserted.public_id, "seq": 2}
    assert _stored(Message, inserted.pk) == {**_stored(Message, saved.pk), **own}


def test_insert_breaking_a_constraint_raises_and_stores_nothing(visitor):
    conversation = open_new_conversation(visitor)
    INSERT_MESSAGE(Message(conversation=conversation, seq=1, author_kind="visitor", text="a", client_id="c1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        INSERT_MESSAGE(Message(conversation=conversation, seq=2, author_kind="visitor", text="b", client_id="c1"))
    assert list(conversation.messages.values_list("text", flat=True)) == ["a"]


def test_ignoring_conflicts_a_duplicate_is_not_inserted_and_other_violations_still_raise(visitor):
    insert = CompiledInsert(Message, ignore_conflicts=True)
    conversation = open_new_conversation(visitor)
    first = insert(Message(conversation=conversation, seq=1, author_kind="visitor", text="a", client_id="c1"))
    assert first is not None and first.pk is not None

    assert insert(Message(conversation=conversation, seq=2, author_kind="visitor", text="b", client_id="c1")) is None
    assert insert(Message(conversation=conversation, seq=1, author_kind="visitor", text="c", client_id="c2")) is None
    assert list(conversation.messages.values_list("text", flat=True)) == ["a"]  # and the transaction goes on

    with pytest.raises(IntegrityError), transaction.atomic():
        insert(Message(conversation=conversation, seq=3, author_kind=None, text="d"))


def test_update_writes_only_the_named_fields(visitor, django_assert_num_queries):
    conversation, other = open_new_conversation(visitor), open_new_conversation(visitor)
    later = timezone.now()
    conversation.last_seq, conversation.waiting_since, conversation.unread_count = 7, later, 3
    conversation.status = Conversation.Status.CLOSED  # changed in memory only: not named below

    with django_assert_num_queries(1):
        UPDATE_CONVERSATION(conversation, ["last_seq", "waiting_since", "unread_count"])

    stored = Conversation.objects.get(pk=conversation.pk)
    assert (stored.last_seq, stored.waiting_since, stored.unread_count) == (7, later, 3)
    assert stored.status == Conversation.Status.OPEN
    assert Conversation.objects.get(pk=other.pk).last_seq == 0  # only its own row

    conversation.waiting_since = None  # another list of names: its own statement
    UPDATE_CONVERSATION(conversation, ["waiting_since"])
    assert Conversation.objects.get(pk=conversation.pk).waiting_since is None
