"""The operator inbox. One view serves the full page and, for htmx, just the fragment."""

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta
from functools import wraps
from itertools import islice
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from contacts import actions as contact_actions
from contacts import csv_io
from contacts.models import Contact, ImportJob, Task
from contacts.queries import (
    SORTS,
    ContactFilters,
    access_import_job,
    access_task,
    attribute_keys,
    export_person,
    filtered_contacts,
    list_contacts,
    list_my_tasks,
)
from conversations import actions
from conversations.models import Conversation
from conversations.queries import (
    ConversationFilters,
    access_attachment,
    access_conversation,
    count_unread_notifications,
    fill_placeholders,
    find_tag,
    get_tag,
    header_context,
    list_conversations,
    list_notifications,
    list_person_history,
    list_recent_messages,
    list_tags,
    search_canned_responses,
)
from conversations.uploads import attachment_response, check_request_size, check_upload, clean_file_name
from core.errors import DomainError, InvalidInput, NotFound
from visitors.queries import (
    LIVE_WINDOW,
    Person,
    access_person,
    access_visitor,
    count_live_visitors,
    get_contact_card,
    list_live_visitors,
    list_timeline,
)
from workspaces.actions import set_availability
from workspaces.models import Inbox, Member
from workspaces.queries import (
    get_current_member,
    get_member,
    get_team,
    list_members,
    list_teams,
    require_admin,
    visible_inboxes,
)

STATUS_FILTERS = ("open", "snoozed", "closed", "all")
STATUS_TABS = (("open", _("Open")), ("snoozed", _("Snoozed")), ("closed", _("Closed")), ("all", _("All")))
ASSIGNEE_TABS = (
    ("me", _("Mine")),
    ("unassigned", pgettext_lazy("assignee tab", "Unassigned")),
    ("all", _("Everyone's")),
)


class OperatorRequest(HttpRequest):
    member: Member
    htmx: HtmxDetails


def operator_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in members only; sets request.member and turns domain errors into responses."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        member = get_current_member(request.user)
        if member is None:
            return HttpResponseForbidden("You are not a member of any workspace.")
        request.member = member  # type: ignore[attr-defined]
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return render(request, "conversations/partials/error.html", {"error": error}, status=error.status)

    return wrapper


def _filters(request: OperatorRequest) -> ConversationFilters:
    """The list's filters from the query string; unknown values fall back to the defaults."""
    get = request.GET
    status = get.get("status", "open")
    return ConversationFilters(
        status=status if status in STATUS_FILTERS else "open",
        assignee=get.get("assignee") or "all",
        team=get.get("team") or None,
        tag=get.get("tag") or None,
        inbox=get.get("inbox") or None,
        channel=channel if (channel := get.get("channel")) in Inbox.Channel.values else None,
        search=get.get("q", "").strip()[:200],
    )


def _list_context(request: OperatorRequest) -> dict[str, Any]:
    filters = _filters(request)
    page = list_conversations(request.member, filters, cursor=request.GET.get("cursor") or None)
    query = request.GET.copy()
    query.pop("cursor", None)
    return {
        "conversations": page.conversations,
        "next_cursor": page.next_cursor,
        "filters": filters,
        "filter_query": query.urlencode(),
        "member": request.member,
    }


def _pane_context(request: OperatorRequest, conversation_id: str) -> dict[str, Any]:
    conversation = access_conversation(request.member, conversation_id)
    recent = list_recent_messages(conversation)
    return {**header_context(conversation), "messages": recent.messages, "has_older": recent.has_more}


def _page_context(request: OperatorRequest) -> dict[str, Any]:
    """What the whole page shows around the list: the team, filter choices, notifications."""
    member = request.member
    inboxes = list(visible_inboxes(member).order_by("name"))
    return {
        "member": member,
        "teammates": list_members(member),
        "filter_teams": list_teams(member),
        "filter_tags": list_tags(member),
        "filter_inboxes": inboxes,
        "filter_channels": [(c.value, c.label) for c in Inbox.Channel if c.value in {i.channel for i in inboxes}],
        "unread_notifications": count_unread_notifications(member),
        "status_tabs": STATUS_TABS,
        "assignee_tabs": ASSIGNEE_TABS,
    }


@require_GET
@operator_view
def inbox(request: OperatorRequest, conversation_id: str | None = None) -> HttpResponse:
    pane = _pane_context(request, conversation_id) if conversation_id else {}
    if request.htmx and conversation_id:
        return render(request, "conversations/partials/conversation_pane.html", pane)
    return render(request, "conversations/inbox.html", {**_page_context(request), **_list_context(request), **pane})


@require_GET
@operator_view
def conversation_list(request: OperatorRequest) -> HttpResponse:
    """The list, or with ?cursor= the next page of rows (catch-up after reconnect, "load more")."""
    template = (
        "conversations/partials/conversation_rows.html"
        if request.GET.get("cursor")
        else "conversations/partials/conversation_list.html"
    )
    return render(request, template, _list_context(request))


@require_POST
@operator_view
def reply(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    conversation = access_conversation(request.member, conversation_id)
    file = request.FILES.get("file")
    fields: dict[str, Any] = {
        "text": request.POST.get("text", ""),
        "client_id": request.POST.get("client_id") or None,
        "attachment": check_upload(file, max_bytes=conversation.workspace.attachment_max_bytes) if file else None,
    }
    if request.POST.get("note"):
        sent = actions.add_note(request.member, conversation, **fields)
    else:
        answers = [line.strip() for line in request.POST.get("quick_replies", "").splitlines() if line.strip()]
        sent = actions.reply_to_conversation(request.member, conversation, quick_replies=answers, **fields)
    return render(
        request, "conversations/partials/message.html", {"message": sent.message, "conversation": conversation}
    )


@require_POST
@operator_view
def close(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    conversation = actions.close_conversation(request.member, access_conversation(request.member, conversation_id))
    return _header(request, conversation)


def _header(request: OperatorRequest, conversation: Conversation) -> HttpResponse:
    return render(request, "conversations/partials/conversation_header.html", header_context(conversation))


@require_POST
@operator_view
def reopen(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    conversation = actions.reopen_conversation(request.member, access_conversation(request.member, conversation_id))
    return _header(request, conversation)


@require_POST
@operator_view
def snooze(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    """Snooze for `minutes`, or until `until` (an ISO 8601 time with its offset, from the page's date picker)."""
    conversation = access_conversation(request.member, conversation_id)
    until = _snooze_until(request.POST.get("minutes", ""), request.POST.get("until", ""))
    return _header(request, actions.snooze_conversation(request.member, conversation, until=until))


def _snooze_until(minutes: str, until: str) -> datetime:
    if minutes.isdigit():
        return timezone.now() + timedelta(minutes=int(minutes))
    parsed = parse_datetime(until.strip()) if until else None
    if parsed is None:
        raise InvalidInput("Choose how long to snooze, or a date and time.")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


@require_POST
@operator_view
def assign(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    """Assign to `assignee` (an operator's id, "me", or empty for nobody) and `team` (an id or empty).

    A form without a `team` field ("assign to me") keeps the team as it is.
    """
    member, post = request.member, request.POST
    conversation = access_conversation(member, conversation_id)
    assignee_id, team_id = post.get("assignee", ""), post.get("team", "")
    assignee = member if assignee_id == "me" else (get_member(member, assignee_id) if assignee_id else None)
    team = (get_team(member, team_id) if team_id else None) if "team" in post else conversation.team
    return _header(request, actions.assign_conversation(member, conversation, assignee=assignee, team=team))


@require_POST
@operator_view
def add_tag(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    """Tag by name; a name no tag has yet creates the tag."""
    conversation = access_conversation(request.member, conversation_id)
    name = request.POST.get("name", "")
    tag = find_tag(request.member, name) or actions.create_tag(request.member, name=name)
    tags = [*conversation.tags.all(), tag]
    return _header(request, actions.set_conversation_tags(request.member, conversation, tags))


@require_POST
@operator_view
def remove_tag(request: OperatorRequest, conversation_id: str, tag_id: str) -> HttpResponse:
    conversation = access_conversation(request.member, conversation_id)
    tag = get_tag(request.member, tag_id)
    tags = [t for t in conversation.tags.all() if t.pk != tag.pk]
    return _header(request, actions.set_conversation_tags(request.member, conversation, tags))


@require_POST
@operator_view
def mark_read(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    actions.mark_conversation_read(request.member, access_conversation(request.member, conversation_id))
    return HttpResponse(status=204)


@require_GET
@operator_view
def older_messages(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    """The page of messages before `before` (a seq), for the feed's "load older" button."""
    conversation = access_conversation(request.member, conversation_id)
    before = request.GET.get("before", "")
    page = list_recent_messages(conversation, before=int(before) if before.isdigit() else None)
    context = {"conversation": conversation, "messages": page.messages, "has_older": page.has_more}
    return render(request, "conversations/partials/older_messages.html", context)


@require_GET
@operator_view
def history(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    """Every conversation with this person in one feed (read-only)."""
    conversation = access_conversation(request.member, conversation_id)
    page = list_person_history(request.member, conversation)
    context = {"conversation": conversation, "messages": page.messages, "has_older": page.has_more}
    return render(request, "conversations/partials/history.html", context)


@require_GET
@operator_view
def template_picker(request: OperatorRequest, conversation_id: str) -> HttpResponse:
    """Reply templates matching what follows "/" in the reply box, with placeholders filled in for this conversation."""
    conversation = access_conversation(request.member, conversation_id)
    templates = [
        (t, fill_placeholders(t.text, conversation=conversation, member=request.member))
        for t in search_canned_responses(request.member, request.GET.get("q", ""))
    ]
    return render(request, "conversations/partials/template_picker.html", {"templates": templates})


@require_POST
@operator_view
def save_template(request: OperatorRequest) -> HttpResponse:
    """Save the reply box's text as a template."""
    response = actions.save_canned_response(
        request.member, shortcut=request.POST.get("shortcut", ""), text=request.POST.get("text", "")
    )
    return render(request, "conversations/partials/template_saved.html", {"template": response}, status=201)


@require_POST
@operator_view
def availability(request: OperatorRequest) -> HttpResponse:
    member = set_availability(request.member, request.POST.get("availability", ""))
    return render(request, "conversations/partials/my_availability.html", {"member": member})


@require_GET
@operator_view
def notifications(request: OperatorRequest) -> HttpResponse:
    """The operator's latest notifications; opening the list marks them read."""
    items = list_notifications(request.member)
    actions.mark_notifications_read(request.member)
    return render(request, "conversations/partials/notifications.html", {"notifications": items})


@require_GET
@operator_view
def attachment_file(request: OperatorRequest, attachment_id: str) -> HttpResponse:
    """A file of a conversation the operator may see (404 otherwise), served so that it can never run as a page."""
    return attachment_response(access_attachment(request.member, attachment_id))  # type: ignore[return-value]


# People: the contact card beside a conversation, the contact page, live visitors.
# Reads live in visitors/queries.py; writes in contacts/actions.py and conversations/actions.py.

PROFILE_FIELDS = ("name", "email", "phone", "company")


def _card_response(
    request: OperatorRequest,
    person: Person,
    *,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HttpResponse:
    context = {
        "card": get_contact_card(request.member, person),
        "person": person,
        "error": error,
        "values": values,
        "live_since": timezone.now() - LIVE_WINDOW,
        "teammates": list_members(request.member),
    }
    status = error.status if error else 200
    return render(request, "conversations/partials/contact_card.html", context, status=status)


@require_GET
@operator_view
def person_card(request: OperatorRequest, person_id: str) -> HttpResponse:
    """The contact card: a contact's or a visitor's public id (the inbox asks with the conversation's visitor)."""
    return _card_response(request, access_person(request.member, person_id))


@require_POST
@operator_view
def person_edit(request: OperatorRequest, person_id: str) -> HttpResponse:
    """Save the card's name, email, phone and company; a visitor without a contact gets one."""
    member = request.member
    person = access_person(member, person_id)
    values = {name: request.POST.get(name, "") for name in PROFILE_FIELDS}
    try:
        if person.contact is not None:
            contact_actions.update_contact(member, person.contact, **values)
        elif any(value.strip() for value in values.values()):
            assert person.visitor is not None
            contact_actions.create_contact_for_visitor(member, person.visitor, **values)
        else:
            raise InvalidInput(str(_("Enter a name, email, phone or company to save.")))
    except DomainError as error:
        return _card_response(request, person, error=error, values=values)
    return _card_response(request, access_person(member, person_id))


@require_GET
@operator_view
def person_now(request: OperatorRequest, person_id: str) -> HttpResponse:
    """Where the person is on the site now: the card polls this."""
    person = access_person(request.member, person_id)
    context = {"person": person, "live_since": timezone.now() - LIVE_WINDOW}
    return render(request, "conversations/partials/person_now.html", context)


@require_GET
@operator_view
def person_page(request: OperatorRequest, person_id: str) -> HttpResponse:
    """The contact page: the card, and everything the person did, newest first."""
    member = request.member
    person = access_person(member, person_id)
    context = {
        "member": member,
        "card": get_contact_card(member, person),
        "person": person,
        "timeline": list_timeline(member, person),
        "live_since": timezone.now() - LIVE_WINDOW,
        "teammates": list_members(member),
    }
    return render(request, "conversations/person.html", context)


@require_GET
@operator_view
def person_timeline(request: OperatorRequest, person_id: str) -> HttpResponse:
    """The next page of the timeline, after ?cursor= (the "older" button)."""
    person = access_person(request.member, person_id)
    timeline = list_timeline(request.member, person, cursor=request.GET.get("cursor") or None)
    return render(request, "conversations/partials/timeline_entries.html", {"person": person, "timeline": timeline})


@require_GET
@operator_view
def live_visitors(request: OperatorRequest) -> HttpResponse:
    context = {"member": request.member, "live": list_live_visitors(request.member)}
    return render(request, "conversations/live_visitors.html", context)


@require_GET
@operator_view
def live_visitors_list(request: OperatorRequest) -> HttpResponse:
    """The rows alone: the page polls this every 10 seconds."""
    return render(
        request, "conversations/partials/live_visitor_rows.html", {"live": list_live_visitors(request.member)}
    )


@require_GET
@operator_view
def live_visitors_count(request: OperatorRequest) -> HttpResponse:
    """The top bar's "Live visitors (N)"."""
    context = {"count": count_live_visitors(request.member)}
    return render(request, "conversations/partials/live_visitors_count.html", context)


@require_POST
@operator_view
def start_chat(request: OperatorRequest, visitor_id: str) -> HttpResponse:
    """Write to a visitor first; then the operator is taken to the conversation."""
    visitor = access_visitor(request.member, visitor_id)
    sent = actions.start_conversation(
        request.member,
        visitor,
        text=request.POST.get("text", ""),
        client_id=request.POST.get("client_id") or None,
    )
    url = reverse("conversations:conversation", args=[sent.message.conversation.public_id.hex])
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


# People: the contacts list, CSV export and import, notes and tasks, GDPR export and erasure.
# Reads live in contacts/queries.py; writes in contacts/actions.py; the CSV format in contacts/csv_io.py.

SEEN_WITHIN_MAX = 3650
STREAM_BATCH = 500  # lines read from the database per trip when streaming under ASGI


def _streamed(request: HttpRequest, lines: Iterator[str]) -> Iterator[str] | AsyncIterator[str]:
    """The lines as the server can stream them: under ASGI Django would read a sync iterator whole into memory,
    so there it is read in batches, each in the request's sync thread, and sent as it goes."""
    if not isinstance(request, ASGIRequest):
        return lines

    def take() -> str:
        return "".join(islice(lines, STREAM_BATCH))

    async def chunks() -> AsyncIterator[str]:
        while chunk := await sync_to_async(take, thread_sensitive=True)():
            yield chunk

    return chunks()


def _contact_filters(request: OperatorRequest) -> ContactFilters:
    """The list's filters from the query string; unknown values are ignored."""
    get = request.GET
    verified = {"yes": True, "no": False}.get(get.get("verified", ""))
    seen = get.get("seen", "").strip()
    days = int(seen) if seen.isdigit() and 0 < int(seen) <= SEEN_WITHIN_MAX else None
    sort = get.get("sort", "last_seen")
    return ContactFilters(
        search=get.get("q", "").strip()[:200],
        verified=verified,
        has_email=get.get("has_email") == "1",
        seen_within_days=days,
        sort=sort if sort in SORTS else "last_seen",
    )


@require_GET
@operator_view
def people_list(request: OperatorRequest) -> HttpResponse:
    """Contacts the operator may see, with search and filters; htmx asks for the rows alone (and the next page)."""
    filters = _contact_filters(request)
    page = list_contacts(request.member, filters, cursor=request.GET.get("cursor") or None)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "member": request.member,
        "filters": filters,
        "people": page.contacts,
        "next_cursor": page.next_cursor,
        "filter_query": query.urlencode(),
    }
    if request.htmx and not request.htmx.boosted:
        # A new search or filter also updates the export link (out of band); a next page leaves it.
        context["refresh_export"] = request.member.is_admin and not request.GET.get("cursor")
        return render(request, "conversations/partials/people_rows.html", context)
    return render(request, "conversations/people.html", context)


@require_GET
@operator_view
def people_export(request: OperatorRequest) -> HttpResponse:
    """Every contact the filters keep, as CSV, streamed (admins)."""
    require_admin(request.member)
    keys = attribute_keys(request.member)
    contacts = filtered_contacts(request.member, _contact_filters(request)).order_by("-sort_at", "-pk")
    lines = csv_io.export_lines(contacts.iterator(chunk_size=1000), keys)
    response = StreamingHttpResponse(_streamed(request, lines), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="contacts-{stamp}.csv"'
    return response  # type: ignore[return-value]


def _import_form(request: OperatorRequest, *, error: DomainError | None = None) -> HttpResponse:
    context = {"member": request.member, "encodings": csv_io.ENCODINGS, "error": error}
    return render(request, "conversations/people_import.html", context, status=error.status if error else 200)


@require_http_methods(["GET", "POST"])
@operator_view
def people_import(request: OperatorRequest) -> HttpResponse:
    """Upload a CSV (admins): it is checked and its header read; then the columns are mapped."""
    member = request.member
    require_admin(member)
    if request.method == "GET":
        return _import_form(request)
    try:
        check_request_size(request, max_bytes=csv_io.MAX_BYTES)
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(str(_("Choose a CSV file to import.")), code="file_missing")
        if (upload.size or 0) > csv_io.MAX_BYTES:
            raise InvalidInput(str(_("The file is too large: the limit is 10 MB.")), code="file_too_large")
        text = csv_io.decode_upload(upload.read(), request.POST.get("encoding", "utf-8"))
        csv_io.read_header(text)
        job = contact_actions.create_import_job(member, file_name=clean_file_name(upload.name or ""), text=text)
    except DomainError as error:
        return _import_form(request, error=error)
    url = reverse("conversations:people_import_job", args=[job.public_id.hex])
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


def _mapping_context(request: OperatorRequest, job: ImportJob) -> dict[str, Any]:
    """The columns of the stored CSV with a suggested field and a few sample values each."""
    with job.file.open("rb") as stored:
        text = stored.read().decode("utf-8")
    labels = csv_io.read_header(text)
    samples = csv_io.sample_rows(text, 3)
    keys = attribute_keys(request.member)
    posted = request.POST if request.method == "POST" else None
    columns = [
        {
            "index": i,
            "label": label,
            "target": posted.get(f"col{i}", "") if posted is not None else csv_io.suggest_target(label, keys),
            "samples": [row[i] for row in samples if i < len(row) and row[i].strip()],
        }
        for i, label in enumerate(labels)
    ]
    return {"columns": columns, "attribute_keys": keys, "targets": contact_actions.IMPORT_TARGETS, "labels": labels}


def _import_page(request: OperatorRequest, job: ImportJob, *, error: DomainError | None = None) -> HttpResponse:
    context: dict[str, Any] = {"member": request.member, "job": job, "error": error}
    if not job.mapping and job.status == ImportJob.Status.PENDING and job.file:
        context.update(_mapping_context(request, job))
    return render(request, "conversations/people_import_job.html", context, status=error.status if error else 200)


@require_GET
@operator_view
def people_import_job(request: OperatorRequest, import_id: str) -> HttpResponse:
    """The import: its column mapping, then its progress (polled every 2 s) and its report."""
    job = access_import_job(request.member, import_id)
    if request.htmx and not request.htmx.boosted:
        return render(request, "conversations/partials/import_progress.html", {"job": job})
    return _import_page(request, job)


@require_POST
@operator_view
def people_import_map(request: OperatorRequest, import_id: str) -> HttpResponse:
    """Save the mapping (col0=email, col1=name, … by column position) and start the import."""
    member = request.member
    job = access_import_job(member, import_id)
    try:
        if not job.file or job.mapping:
            raise InvalidInput(str(_("This import has started already.")), code="import_started")
        labels = _mapping_context(request, job)["labels"]
        mapping = {label: request.POST.get(f"col{i}", "") for i, label in enumerate(labels)}
        contact_actions.start_import(member, job, columns=labels, mapping=mapping)
    except DomainError as error:
        return _import_page(request, job, error=error)
    url = reverse("conversations:people_import_job", args=[job.public_id.hex])
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


def _contact_of(person: Person) -> Contact:
    if person.contact is None:
        raise InvalidInput(
            str(_("Save the visitor's details first: notes and tasks belong to a contact.")), code="no_contact"
        )
    return person.contact


@require_POST
@operator_view
def person_note(request: OperatorRequest, person_id: str) -> HttpResponse:
    """Add a note from the card; the card comes back with the form emptied (or the error)."""
    person = access_person(request.member, person_id)
    try:
        contact_actions.add_contact_note(request.member, _contact_of(person), text=request.POST.get("text", ""))
    except DomainError as error:
        return _card_response(request, person, error=error)
    return _card_response(request, person)


def _due_at(value: str) -> datetime | None:
    """A datetime-local (or a date: end of that day) in the operator's time zone; "" for none."""
    value = value.strip()
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        parsed = datetime.combine(day, datetime.max.time().replace(microsecond=0)) if day else None
    if parsed is None:
        raise InvalidInput(str(_("Enter the due date as YYYY-MM-DD HH:MM.")), code="invalid_due_at")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@require_POST
@operator_view
def person_task(request: OperatorRequest, person_id: str) -> HttpResponse:
    """Add a follow-up from the card: title, due date, assignee (default: me)."""
    member = request.member
    person = access_person(member, person_id)
    try:
        assignee_id = request.POST.get("assignee", "").strip()
        try:
            assignee = get_member(member, assignee_id) if assignee_id else None
        except NotFound:
            raise InvalidInput(str(_("Assign the task to someone of your team.")), code="invalid_assignee") from None
        contact_actions.create_task(
            member,
            _contact_of(person),
            title=request.POST.get("title", ""),
            due_at=_due_at(request.POST.get("due", "")),
            assignee=assignee,
        )
    except DomainError as error:
        return _card_response(request, person, error=error)
    return _card_response(request, person)


@require_GET
@operator_view
def person_export(request: OperatorRequest, person_id: str) -> HttpResponse:
    """Everything stored about the person, as JSON (admins; a GDPR access request)."""
    person = access_person(request.member, person_id)
    require_admin(request.member)
    contact = _contact_of(person)
    response = StreamingHttpResponse(
        _streamed(request, export_person(contact)), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.public_id.hex}.json"'
    return response  # type: ignore[return-value]


@require_POST
@operator_view
def person_delete(request: OperatorRequest, person_id: str) -> HttpResponse:
    """Erase the person and their personal data everywhere (admins; typed confirmation "DELETE")."""
    member = request.member
    person = access_person(member, person_id)
    require_admin(member)
    contact = _contact_of(person)
    if request.POST.get("confirm", "").strip() != "DELETE":
        raise InvalidInput(str(_("Type DELETE to confirm.")), code="confirmation_required")
    contact_actions.erase_contact(member, contact)
    url = reverse("conversations:people")
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


@require_GET
@operator_view
def my_tasks(request: OperatorRequest) -> HttpResponse:
    """Open tasks assigned to me: overdue first, then by due date."""
    context = {"member": request.member, "tasks": list_my_tasks(request.member), "now": timezone.now()}
    return render(request, "conversations/my_tasks.html", context)


def _task_response(request: OperatorRequest, task: Task) -> HttpResponse:
    if request.htmx:
        context = {"task": task, "now": timezone.now()}
        return render(request, "conversations/partials/task_row.html", context)
    return redirect(reverse("conversations:my_tasks"))


@require_POST
@operator_view
def task_complete(request: OperatorRequest, task_id: str) -> HttpResponse:
    task = access_task(request.member, task_id)
    return _task_response(request, contact_actions.complete_task(request.member, task))


@require_POST
@operator_view
def task_reopen(request: OperatorRequest, task_id: str) -> HttpResponse:
    task = access_task(request.member, task_id)
    return _task_response(request, contact_actions.reopen_task(request.member, task))


@require_POST
@operator_view
def task_delete(request: OperatorRequest, task_id: str) -> HttpResponse:
    task = access_task(request.member, task_id)
    contact_actions.delete_task(request.member, task)
    if request.htmx:
        return HttpResponse("")
    return redirect(reverse("conversations:my_tasks"))


# Merging two contacts: search, a side-by-side confirmation, then the merge (this page's contact is kept).

from django.contrib import messages  # noqa: E402  (kept with the section it serves)

from contacts.queries import count_holdings, find_visible_contact_by_email, search_merge_candidates  # noqa: E402


def _merge_other(request: OperatorRequest, keep: Contact, other_id: str) -> Contact:
    """The contact to merge away, seen through the same access check as the contact page."""
    other = _contact_of(access_person(request.member, other_id))
    if other.pk == keep.pk:
        raise InvalidInput(str(_("A contact cannot be merged into itself.")), code="same_contact")
    return other


@require_http_methods(["GET", "POST"])
@operator_view
def person_merge(request: OperatorRequest, person_id: str) -> HttpResponse:
    """GET: pick the contact to merge into this one (`?with=` or `?email=`: the confirmation). POST: merge."""
    member = request.member
    person = access_person(member, person_id)
    keep = _contact_of(person)
    if request.method == "POST":
        merged = _merge_other(request, keep, request.POST.get("with", ""))
        merged_name = str(merged)
        contact_actions.merge_contacts(member, keep, merged)
        messages.success(request, _("%(name)s was merged into this contact.") % {"name": merged_name})
        url = reverse("conversations:person", args=[keep.public_id.hex])
        if request.htmx:
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return redirect(url)
    other_id = request.GET.get("with", "").strip()
    other: Contact | None = None
    if other_id:
        other = _merge_other(request, keep, other_id)
    elif request.GET.get("email", "").strip():
        other = find_visible_contact_by_email(member, request.GET["email"], exclude=keep)
    context: dict[str, Any] = {"member": member, "person": person, "keep": keep, "other": other}
    if other is not None:
        holdings = count_holdings([keep, other])
        context.update(keep_holdings=holdings[keep.pk], other_holdings=holdings[other.pk])
    else:
        query = request.GET.get("email", "").strip()
        context.update(query=query, candidates=search_merge_candidates(member, keep, query))
    return render(request, "conversations/person_merge.html", context)


@require_GET
@operator_view
def person_merge_search(request: OperatorRequest, person_id: str) -> HttpResponse:
    """Up to 10 contacts matching `q` (name, email, phone) to merge into this one (htmx, as you type)."""
    keep = _contact_of(access_person(request.member, person_id))
    query = request.GET.get("q", "")[:200]
    context = {"keep": keep, "query": query, "candidates": search_merge_candidates(request.member, keep, query)}
    return render(request, "conversations/partials/merge_candidates.html", context)
