"""The contacts list: who each operator may see, search, filters, keyset pages and a constant query count."""

from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Contact
from core.tests.fixtures import make_agent
from visitors.actions import create_visitor
from visitors.models import Visitor
from workspaces import actions as workspace_actions


def login(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def contact(workspace, inbox=None, *, seen_days_ago: float | None = None, **fields) -> Contact:
    c = Contact.objects.create(workspace=workspace, **fields)
    if inbox is not None:
        v = create_visitor(inbox, user_agent="", language="")
        Visitor.objects.filter(pk=v.pk).update(
            contact=c, last_seen_at=timezone.now() - timedelta(days=seen_days_ago or 0)
        )
    return c


def ids(response) -> list[str]:
    import re

    return re.findall(r'data-contact="([0-9a-f]{32})"', response.content.decode())


def test_the_top_bar_links_to_people_and_my_tasks(member):
    page = login(member).get("/inbox/").content.decode()
    assert 'href="/inbox/people/"' in page and 'href="/inbox/tasks/"' in page


def test_admins_see_every_contact_sorted_by_last_seen(member, workspace, inbox):
    old = contact(workspace, inbox, name="Old", seen_days_ago=10)
    recent = contact(workspace, inbox, name="Recent", seen_days_ago=0.1)
    imported = contact(workspace, name="Imported", email="imp@example.com")  # no visitor: sorted by created_at
    response = login(member).get("/inbox/people/")
    assert response.status_code == 200
    assert ids(response) == [imported.public_id.hex, recent.public_id.hex, old.public_id.hex]
    created = login(member).get("/inbox/people/?sort=created")
    assert ids(created) == [imported.public_id.hex, recent.public_id.hex, old.public_id.hex]


def test_agents_see_only_contacts_with_a_visitor_in_their_inboxes(member, workspace, inbox):
    second = workspace_actions.create_inbox(workspace, name="Second site", allowed_origins=["https://b.example.com"])
    mine = contact(workspace, inbox, name="Mine")
    theirs = contact(workspace, second, name="Theirs")
    contact(workspace, name="Imported")
    agent = make_agent(workspace, "dora@shop.example.com")
    second.members.remove(agent)
    assert ids(login(agent).get("/inbox/people/")) == [mine.public_id.hex]
    assert theirs.public_id.hex in ids(login(member).get("/inbox/people/"))


def test_other_workspaces_contacts_are_never_listed(member, other_member, other_inbox):
    contact(other_member.workspace, other_inbox, name="Rival customer")
    assert ids(login(member).get("/inbox/people/")) == []


def test_search_matches_name_email_phone_and_company_ignoring_case(member, workspace, inbox):
    a = contact(workspace, inbox, name="Aigerim Sadykova", email="aigerim@mail.kz", phone="+77011234567")
    b = contact(workspace, inbox, name="Борис", email="boris@example.com", company="Acme Ltd")
    client = login(member)
    assert ids(client.get("/inbox/people/?q=AIGERIM")) == [a.public_id.hex]
    assert ids(client.get("/inbox/people/?q=mail.kz")) == [a.public_id.hex]
    assert ids(client.get("/inbox/people/?q=7011234")) == [a.public_id.hex]
    assert ids(client.get("/inbox/people/?q=acme")) == [b.public_id.hex]
    assert ids(client.get("/inbox/people/?q=борис")) == [b.public_id.hex]
    assert ids(client.get("/inbox/people/?q=nobody")) == []
    assert ids(client.get("/inbox/people/?q=Aigerim,")) == [a.public_id.hex], "edge punctuation is not a letter"
    assert client.get("/inbox/people/?q=%00").status_code == 200, "a NUL no database accepts is dropped"


def test_filters_verified_has_email_and_seen_within(member, workspace, inbox):
    verified = contact(workspace, inbox, email="v@example.com", verified=True, seen_days_ago=1)
    no_email = contact(workspace, inbox, phone="+77011234567", seen_days_ago=2)
    stale = contact(workspace, inbox, email="s@example.com", seen_days_ago=40)
    client = login(member)
    assert ids(client.get("/inbox/people/?verified=yes")) == [verified.public_id.hex]
    assert set(ids(client.get("/inbox/people/?verified=no"))) == {no_email.public_id.hex, stale.public_id.hex}
    assert no_email.public_id.hex not in ids(client.get("/inbox/people/?has_email=1"))
    assert set(ids(client.get("/inbox/people/?seen=7"))) == {verified.public_id.hex, no_email.public_id.hex}
    assert len(ids(client.get("/inbox/people/?seen=junk&verified=maybe"))) == 3  # unknown values are ignored


def test_pages_of_fifty_follow_one_another_without_gaps(member, workspace, inbox):
    at = timezone.now()
    made = [Contact(workspace=workspace, name=f"P{i}", created_at=at - timedelta(seconds=i // 3)) for i in range(120)]
    Contact.objects.bulk_create(made)
    client = login(member)
    response = client.get("/inbox/people/?sort=created")
    seen = ids(response)
    assert len(seen) == 50
    while "cursor=" in response.content.decode():
        import re

        cursor = re.search(r"cursor=([^\"&]+)", response.content.decode())[1]
        response = client.get(f"/inbox/people/?sort=created&cursor={cursor}", HTTP_HX_REQUEST="true")
        seen += ids(response)
    assert len(seen) == len(set(seen)) == 120


def test_a_bad_cursor_is_refused(member):
    assert login(member).get("/inbox/people/?cursor=nonsense").status_code == 422


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_however_many_people(member, workspace, inbox):
    agent = make_agent(workspace, "carl@shop.example.com")
    for i in range(2):
        contact(workspace, inbox, name=f"A{i}", email=f"a{i}@example.com")
    few = {who: _queries(login(who), "/inbox/people/?q=example&has_email=1") for who in (member, agent)}
    for i in range(40):
        contact(workspace, inbox, name=f"B{i}", email=f"b{i}@example.com", verified=True)
    many = {who: _queries(login(who), "/inbox/people/?q=example&has_email=1") for who in (member, agent)}
    assert many == few


def test_an_admin_opens_an_imported_contact_that_no_browser_ever_linked_to(member, workspace, agent):
    imported = contact(workspace, name="Imported", email="imp@example.com")
    page = login(member).get(f"/inbox/people/{imported.public_id.hex}/")
    assert page.status_code == 200 and "imp@example.com" in page.content.decode()
    assert login(agent).get(f"/inbox/people/{imported.public_id.hex}/").status_code == 404


def test_a_new_filter_also_updates_the_export_link_for_admins(member, agent):
    rows = login(member).get("/inbox/people/?has_email=1&q=x", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="people-export"' in rows and 'hx-swap-oob="true"' in rows and "export.csv?has_email=1&amp;q=x" in rows
    assert "people-export" not in login(agent).get("/inbox/people/?q=x", HTTP_HX_REQUEST="true").content.decode()
    page = login(member).get("/inbox/people/?q=x").content.decode()
    assert 'id="people-export"' in page and "hx-swap-oob" not in page
