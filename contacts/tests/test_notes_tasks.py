"""Notes and follow-up tasks on contacts: from the card, on the contact page's timeline, and "my tasks"."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from contacts import actions
from contacts.models import ContactNote, Task
from core.errors import InvalidInput, NotFound
from core.tests.fixtures import make_agent
from visitors.models import PageView


def login(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def contact(visitor):
    contact = actions.identify_visitor(
        visitor, traits={"email": "aigerim@example.com", "name": "Aigerim"}, signature=None
    )
    visitor.refresh_from_db()
    return contact


# Actions


def test_a_note_is_saved_with_its_author(member, contact):
    note = actions.add_contact_note(member, contact, text="  Prefers calls after 6pm  ")
    assert (note.text, note.author, note.contact) == ("Prefers calls after 6pm", member, contact)


@pytest.mark.parametrize("text", ["", "   ", "x" * 5001])
def test_an_empty_or_too_long_note_is_refused(member, contact, text):
    with pytest.raises(InvalidInput):
        actions.add_contact_note(member, contact, text=text)
    assert not ContactNote.objects.exists()


def test_a_task_is_created_completed_reopened_and_deleted(member, contact, agent):
    due = timezone.now() + timedelta(days=1)
    task = actions.create_task(member, contact, title="Send the quote", due_at=due, assignee=agent)
    assert (task.title, task.due_at, task.assignee, task.created_by, task.done_at) == (
        "Send the quote",
        due,
        agent,
        member,
        None,
    )
    actions.complete_task(agent, task)
    assert Task.objects.get().done_at is not None
    actions.reopen_task(agent, task)
    assert Task.objects.get().done_at is None
    actions.delete_task(member, task)
    assert not Task.objects.exists()


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_a_task_needs_a_title_of_at_most_200_characters(member, contact, title):
    with pytest.raises(InvalidInput):
        actions.create_task(member, contact, title=title, due_at=None, assignee=None)


def test_a_task_cannot_go_to_someone_of_another_workspace(member, contact, other_member):
    with pytest.raises(InvalidInput) as error:
        actions.create_task(member, contact, title="Call", due_at=None, assignee=other_member)
    assert error.value.code == "invalid_assignee"


def test_another_workspace_cannot_touch_the_contact_or_its_tasks(member, contact, other_member):
    task = actions.create_task(member, contact, title="Call", due_at=None, assignee=None)
    with pytest.raises(NotFound):
        actions.add_contact_note(other_member, contact, text="Hi")
    with pytest.raises(NotFound):
        actions.complete_task(other_member, task)


# The card


def test_the_card_adds_a_note_and_a_task(member, contact, visitor, agent):
    client = login(member)
    card = client.get(f"/inbox/people/{contact.public_id.hex}/card/").content.decode()
    assert "data-add-note" in card and "data-add-task" in card and agent.display_name in card

    response = client.post(f"/inbox/people/{contact.public_id.hex}/notes/", {"text": "VIP, be nice"})
    assert response.status_code == 200
    response = client.post(
        f"/inbox/people/{visitor.public_id.hex}/tasks/",
        {"title": "Call back", "due": "2030-01-02T10:30", "assignee": agent.public_id.hex},
    )
    assert response.status_code == 200
    task = Task.objects.get()
    assert (task.title, task.assignee, task.contact) == ("Call back", agent, contact)
    assert timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") == "2030-01-02 10:30"
    assert ContactNote.objects.get().text == "VIP, be nice"


def test_bad_task_input_shows_the_error_on_the_card(member, contact):
    client = login(member)
    response = client.post(f"/inbox/people/{contact.public_id.hex}/tasks/", {"title": "Call", "due": "tomorrow"})
    assert response.status_code == 422 and 'data-error-code="invalid_due_at"' in response.content.decode()
    response = client.post(f"/inbox/people/{contact.public_id.hex}/tasks/", {"title": "", "due": ""})
    assert response.status_code == 422 and 'data-error-code="empty_title"' in response.content.decode()
    assert not Task.objects.exists()


def test_an_anonymous_visitor_needs_a_contact_before_notes(member, visitor):
    response = login(member).post(f"/inbox/people/{visitor.public_id.hex}/notes/", {"text": "Hi"})
    assert response.status_code == 422 and "no_contact" in response.content.decode()
    assert "data-add-note" not in login(member).get(f"/inbox/people/{visitor.public_id.hex}/card/").content.decode()


def test_an_agent_outside_the_contacts_inboxes_cannot_add_notes(member, contact, workspace, inbox):
    stranger = make_agent(workspace, "dora@shop.example.com")
    inbox.members.remove(stranger)
    response = login(stranger).post(f"/inbox/people/{contact.public_id.hex}/notes/", {"text": "Hi"})
    assert response.status_code == 404
    assert not ContactNote.objects.exists()


# The timeline


def test_notes_and_tasks_appear_on_the_timeline(member, contact):
    actions.add_contact_note(member, contact, text="Met at the fair")
    actions.create_task(member, contact, title="Send the brochure", due_at=None, assignee=member)
    page = login(member).get(f"/inbox/people/{contact.public_id.hex}/").content.decode()
    assert 'data-kind="note"' in page and "Met at the fair" in page
    assert 'data-kind="task"' in page and "Send the brochure" in page


def test_the_timeline_pages_through_every_kind_without_gaps_or_repeats(member, contact, visitor):
    from visitors.queries import access_person, list_timeline

    at = timezone.now() - timedelta(hours=1)
    PageView.objects.bulk_create(
        PageView(visitor=visitor, url=f"https://shop.example.com/{i}", created_at=at + timedelta(seconds=i % 5))
        for i in range(12)
    )
    for i in range(9):
        note = actions.add_contact_note(member, contact, text=f"note {i}")
        ContactNote.objects.filter(pk=note.pk).update(created_at=at + timedelta(seconds=i % 5))
        task = actions.create_task(member, contact, title=f"task {i}", due_at=None, assignee=None)
        Task.objects.filter(pk=task.pk).update(created_at=at + timedelta(seconds=i % 5))
    person = access_person(member, contact.public_id.hex)
    entries, cursor = [], None
    while True:
        page = list_timeline(member, person, cursor=cursor, limit=7)
        entries += page.entries
        cursor = page.next_cursor
        if cursor is None:
            break
    seen = [(e.kind, e.pk) for e in entries]
    assert len(seen) == len(set(seen)) == 12 + 9 + 9
    times = [e.at for e in entries]
    assert times == sorted(times, reverse=True)


# My tasks


def test_my_tasks_lists_my_open_tasks_overdue_first_then_by_due_date(member, contact, agent):
    now = timezone.now()
    later = actions.create_task(member, contact, title="Later", due_at=now + timedelta(days=3), assignee=member)
    undated = actions.create_task(member, contact, title="Someday", due_at=None, assignee=member)
    overdue = actions.create_task(member, contact, title="Overdue", due_at=now - timedelta(days=1), assignee=member)
    soon = actions.create_task(member, contact, title="Soon", due_at=now + timedelta(hours=2), assignee=member)
    actions.create_task(member, contact, title="Not mine", due_at=now, assignee=agent)
    done = actions.create_task(member, contact, title="Done already", due_at=now, assignee=member)
    actions.complete_task(member, done)

    page = login(member).get("/inbox/tasks/").content.decode()

    titles = [t.title for t in (overdue, soon, later, undated)]
    positions = [page.index(f'data-task="{t.public_id.hex}"') for t in (overdue, soon, later, undated)]
    assert positions == sorted(positions), titles
    assert "Not mine" not in page and "Done already" not in page
    assert "task-row--overdue" in page and f"/inbox/people/{contact.public_id.hex}/" in page


def test_a_task_is_completed_with_one_click(member, contact):
    task = actions.create_task(member, contact, title="Call", due_at=None, assignee=member)
    response = login(member).post(f"/inbox/tasks/{task.public_id.hex}/complete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "task-row--done" in response.content.decode()
    task.refresh_from_db()
    assert task.done_at is not None
    assert "Call" not in login(member).get("/inbox/tasks/").content.decode().split("my-tasks__list")[1]


def test_tasks_of_contacts_an_agent_cannot_see_are_not_found(member, contact, workspace, inbox):
    task = actions.create_task(member, contact, title="Call", due_at=None, assignee=None)
    stranger = make_agent(workspace, "dora@shop.example.com")
    inbox.members.remove(stranger)
    assert login(stranger).post(f"/inbox/tasks/{task.public_id.hex}/complete/").status_code == 404
    task.refresh_from_db()
    assert task.done_at is None
