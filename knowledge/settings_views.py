"""Settings → Knowledge: the entries, a new entry, importing files, and the questions to learn from."""

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from knowledge import actions, imports
from knowledge.forms import EntryForm, ImportForm, NewEntryFromQuestionForm
from knowledge.queries import get_entry, get_question, list_entries, questions_to_learn
from workspaces.settings_pages import SettingsRequest, bound_form, done, invalid, page, render_page, settings_view

SECTION = "knowledge"
GROUPS_SHOWN = 30
UPLOAD_MAX = 5 * 1024 * 1024


@page("knowledge")
def _page(
    request: SettingsRequest,
    *,
    error: DomainError | None = None,
    status: int = 200,
    import_problems: list[str] | None = None,
    **_kwargs: Any,
) -> HttpResponse:
    entries = list_entries(request.member)
    context = {
        "entries": entries,
        "learning": questions_to_learn(request.member.workspace)[:GROUPS_SHOWN],
        "entry_choices": [(e.public_id.hex, next(iter(e.variants.all())).question) for e in entries],
        "entry_form": bound_form(request, EntryForm, "knowledge-create", initial={"public": True}),
        "import_form": bound_form(request, ImportForm, "knowledge-import"),
        "new_from_question_form": NewEntryFromQuestionForm(),
        "import_problems": import_problems or [],
        "error": error,
    }
    return render_page(request, "knowledge/page.html", context, section=SECTION, status=status)


@require_GET
@settings_view("knowledge")
def knowledge(request: SettingsRequest) -> HttpResponse:
    return _page(request)


@require_POST
@settings_view("knowledge")
def create(request: SettingsRequest) -> HttpResponse:
    form = EntryForm(request.POST)
    if not form.is_valid():
        return invalid(request, "knowledge")
    data = form.cleaned_data
    actions.create_entry(
        request.member,
        language=data["language"],
        question=data["question"],
        answer=data["answer"],
        phrasings=data["phrasings"].splitlines(),
        category=data["category"],
        public=data["public"],
    )
    return done(request, _("Entry added."), "knowledge")


@require_POST
@settings_view("knowledge")
def import_file(request: SettingsRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return invalid(request, "knowledge")
    upload = form.cleaned_data["file"]
    if upload.size > UPLOAD_MAX:
        return _page(request, import_problems=[_("The file is larger than 5 MB.")], status=422)
    data = upload.read()
    if upload.name.lower().endswith(".csv"):
        report = imports.import_csv(request.member, data)
    else:
        kind = form.cleaned_data["kind"]
        report = imports.import_markdown(request.member, data, language=form.cleaned_data["language"], kind=kind)
    if report.problems:
        return _page(request, import_problems=report.problems, status=422)
    message = _("Imported %(entries)d entries (%(variants)d texts in all).")
    return done(request, message % {"entries": report.entries, "variants": report.variants}, "knowledge")


@require_POST
@settings_view("knowledge")
def learn(request: SettingsRequest, question_id: str) -> HttpResponse:
    question = get_question(request.member, question_id)
    entry = get_entry(request.member, request.POST.get("entry", ""))
    actions.learn(request.member, question, entry)
    return done(request, _("Added: that question is answered from now on."), "knowledge")


@require_POST
@settings_view("knowledge")
def new_entry_from(request: SettingsRequest, question_id: str) -> HttpResponse:
    question = get_question(request.member, question_id)
    form = NewEntryFromQuestionForm(request.POST)
    if not form.is_valid():
        return invalid(request, "knowledge")
    actions.create_entry_from(request.member, question, answer=form.cleaned_data["answer"])
    return done(request, _("Entry added."), "knowledge")
