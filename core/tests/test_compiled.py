"""A compiled query gives what its queryset gives (related rows and converted values included), in one
query, compiled once per connection."""

import uuid

import pytest
from django.db.models import BigIntegerField, CharField, UUIDField

from conversations.models import Tag
from core.compiled import CompiledQuery, Param
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
