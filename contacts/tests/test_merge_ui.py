"""Merging two contacts from the contact page: search, the side-by-side confirmation, the merge."""

import pytest
from django.test import Client

from contacts.actions import identify_visitor
from contacts.models import Contact, ContactMerge
from conversations import actions as conversation_actions
from conversations.models import Conversation
from core.tests.fixtures import make_agent
from visitors import actions as visitor_actions
from visitors.models import Visitor
from workspaces import actions as workspace_actions
from workspaces.models import Inbox, Member


def login(member: Member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def browser(inbox: Inbox) -> Visitor:
    return visitor_actions.create_visitor(inbox, user_agent="Mozilla/5.0 Test", language="en")


def someone(inbox: Inbox, *, chats: int = 0, **traits: str) -> Contact:
    """A contact with one browser in `inbox` and `chats` conversations."""
    visitor = browser(inbox)
    contact = identify_visitor(visitor, traits=traits, signature=None)
    for i in range(chats):
        conversation_actions.send_visitor_message(visitor, text=f"Hello {i}", client_id=f"c{i}")
    return contact


def merge_url(contact: Contact) -> str:
    return f"/inbox/people/{contact.public_id.hex}/merge/"


def search_url(contact: Contact) -> str:
    return f"/inbox/people/{contact.public_id.hex}/merge/search/"


@pytest.fixture
def aigerim(inbox) -> Contact:
    return someone(inbox, name="Aigerim Sadykova", email="aigerim@acme.kz", chats=1)


@pytest.fixture
def twin(inbox) -> Contact:
    """The same person, from another browser, under another email; with a conversation of her own."""
    contact = someone(inbox, name="A. Sadykova", email="a.sadykova@gmail.com", phone="+77011234567", chats=1)
    second = browser(inbox)
    second.contact = contact
    second.save(update_fields=["contact"])
    return contact


# Search


def test_the_search_finds_contacts_by_name_email_or_phone_but_not_this_one(member, aigerim, twin, inbox):
    someone(inbox, name="Boris", email="boris@example.com")
    client = login(member)

    by_name = client.get(search_url(aigerim), {"q": "sadykova"}).content.decode()
    by_phone = client.get(search_url(aigerim), {"q": "+7701"}).content.decode()
    by_email = client.get(search_url(aigerim), {"q": "gmail"}).content.decode()

    for page in (by_name, by_phone, by_email):
        assert twin.public_id.hex in page
        assert f"?with={aigerim.public_id.hex}" not in page
    assert "Boris" not in by_name


def test_the_search_shows_at_most_ten_and_nothing_for_an_empty_query(member, aigerim, workspace):
    for i in range(12):
        Contact.objects.create(workspace=workspace, name=f"Sadykov {i}")
    client = login(member)

    page = client.get(search_url(aigerim), {"q": "sadykov"}).content.decode()
    empty = client.get(search_url(aigerim), {"q": "  "}).content.decode()

    assert page.count("data-candidate=") == 10
    assert "data-candidate=" not in empty


def test_an_agent_searches_only_contacts_with_a_visitor_in_their_inboxes(member, agent, aigerim, workspace):
    elsewhere = workspace_actions.create_inbox(workspace, name="Other site", allowed_origins=["https://o.example"])
    elsewhere.members.remove(agent)
    hidden = someone(elsewhere, name="Aigerim Hidden", email="hidden@acme.kz")
    imported = Contact.objects.create(workspace=workspace, name="Aigerim Imported")

    page = login(agent).get(search_url(aigerim), {"q": "aigerim"}).content.decode()
    admin_page = login(member).get(search_url(aigerim), {"q": "aigerim"}).content.decode()

    assert hidden.public_id.hex not in page and imported.public_id.hex not in page
    assert hidden.public_id.hex in admin_page and imported.public_id.hex in admin_page


# Confirmation


def test_the_confirmation_shows_both_contacts_and_what_moves(member, aigerim, twin):
    response = login(member).get(merge_url(aigerim), {"with": twin.public_id.hex})

    page = response.content.decode()
    assert response.status_code == 200
    assert "aigerim@acme.kz" in page and "a.sadykova@gmail.com" in page
    assert "<td data-keep-browsers>1</td><td data-other-browsers>2</td>" in page
    assert "<td data-keep-conversations>1</td><td data-other-conversations>1</td>" in page
    assert "2 browsers move to the kept contact" in page and "1 conversation moves to the kept contact." in page
    assert f'name="with" value="{twin.public_id.hex}"' in page


def test_the_merge_page_without_a_pick_shows_the_search(member, aigerim):
    response = login(member).get(merge_url(aigerim))

    assert response.status_code == 200
    assert "merge/search/" in response.content.decode() and "data-merge-confirm" not in response.content.decode()


def test_a_contact_cannot_be_merged_with_itself(member, aigerim):
    response = login(member).get(merge_url(aigerim), {"with": aigerim.public_id.hex})

    assert response.status_code == 422


# Merging


def test_merging_moves_browsers_and_conversations_and_records_the_merge(member, aigerim, twin):
    twin_conversations = set(Conversation.objects.filter(visitor__contact=twin).values_list("pk", flat=True))
    client = login(member)

    response = client.post(merge_url(aigerim), {"with": twin.public_id.hex})

    assert response.status_code == 302 and response["Location"] == f"/inbox/people/{aigerim.public_id.hex}/"
    assert not Contact.objects.filter(pk=twin.pk).exists()
    assert Visitor.objects.filter(contact=aigerim).count() == 3
    assert set(Conversation.objects.filter(visitor__contact=aigerim).values_list("pk", flat=True)) >= twin_conversations
    record = ContactMerge.objects.get(kept=aigerim)
    assert record.merged_public_id == twin.public_id and record.merged_by == member
    aigerim.refresh_from_db()
    assert aigerim.email == "aigerim@acme.kz" and aigerim.phone == "+77011234567"  # kept's fields win, blanks filled
    page = client.get(response["Location"]).content.decode()
    assert "was merged into this contact" in page


def test_an_agent_may_merge_contacts_they_both_see(agent, aigerim, twin):
    response = login(agent).post(merge_url(aigerim), {"with": twin.public_id.hex})

    assert response.status_code == 302
    assert not Contact.objects.filter(pk=twin.pk).exists()


def test_an_agent_cannot_merge_a_contact_they_do_not_see(agent, aigerim, workspace):
    elsewhere = workspace_actions.create_inbox(workspace, name="Other site", allowed_origins=["https://o.example"])
    elsewhere.members.remove(agent)
    hidden = someone(elsewhere, name="Hidden", email="hidden@acme.kz")
    client = login(agent)

    confirm = client.get(merge_url(aigerim), {"with": hidden.public_id.hex})
    merge = client.post(merge_url(aigerim), {"with": hidden.public_id.hex})

    assert (confirm.status_code, merge.status_code) == (404, 404)
    assert Contact.objects.filter(pk=hidden.pk).exists() and not ContactMerge.objects.exists()


def test_outsiders_and_agents_outside_the_inbox_get_not_found(other_member, workspace, inbox, aigerim, twin):
    stranger = make_agent(workspace, "dora@shop.example.com")
    inbox.members.remove(stranger)

    for who in (other_member, stranger):
        client = login(who)
        assert client.get(merge_url(aigerim), {"with": twin.public_id.hex}).status_code == 404
        assert client.get(search_url(aigerim), {"q": "a"}).status_code == 404
        assert client.post(merge_url(aigerim), {"with": twin.public_id.hex}).status_code == 404
    assert Contact.objects.filter(pk=twin.pk).exists() and not ContactMerge.objects.exists()


def test_merging_without_a_pick_is_refused(member, aigerim):
    response = login(member).post(merge_url(aigerim), {})

    assert response.status_code == 404
    assert not ContactMerge.objects.exists()


# From the card: an email another contact has


def test_an_email_taken_on_the_card_offers_the_merge_confirmation(member, aigerim, twin):
    client = login(member)
    values = {"name": aigerim.name, "email": "A.Sadykova@gmail.com", "phone": "", "company": ""}

    card = client.post(f"/inbox/people/{aigerim.public_id.hex}/edit/", values)

    assert card.status_code == 409
    assert 'data-error-code="email_taken"' in card.content.decode()
    link = f"{merge_url(aigerim)}?email=A.Sadykova%40gmail.com"
    assert link in card.content.decode().replace("&amp;", "&")
    confirm = client.get(link).content.decode()
    assert "data-merge-confirm" in confirm and f'name="with" value="{twin.public_id.hex}"' in confirm
