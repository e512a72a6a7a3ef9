"""Settings → Knowledge: the entries (search, filters, pages), an entry's own page to edit it, a new entry,
importing files in the background, and the questions to learn from. Agents may look; admins change."""

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError, InvalidInput
from knowledge import actions, imports
from knowledge.forms import (
    EntryFiltersForm,
    EntryForm,
    EntrySettingsForm,
    ImportForm,
    NewEntryFromQuestionForm,
    NewVariantForm,
    PhrasingForm,
    VariantForm,
)
from knowledge.models import Entry
from knowledge.queries import (
    entry_categories,
    entry_choices,
    entry_count,
    entry_languages,
    entry_sections,
    get_entry,
    get_import_job,
    get_question,
    list_entries,
    questions_to_learn,
    recent_import_jobs,
)
from widget.help_center import article_html
from workspaces.queries import require_admin
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
    member = request.member
    filters_form = EntryFiltersForm(request.GET, categories=entry_categories(member), languages=entry_languages(member))
    filters = filters_form.filters()
    listed = list_entries(member, filters, request.GET.get("page", 1))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "listed": listed,
        "filters": filters,
        "filters_form": filters_form,
        "filter_query": query.urlencode(),
        "has_entries": bool(listed.entries) or entry_count(member) > 0,
        "learning": questions_to_learn(member.workspace)[:GROUPS_SHOWN],
        "entry_choices": entry_choices(member),
        "entry_form": bound_form(request, EntryForm, "knowledge-create", initial={"public": True}),
        "import_form": bound_form(request, ImportForm, "knowledge-import"),
        "import_jobs": recent_import_jobs(member) if member.is_admin else [],
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
    require_admin(request.member)
    form = EntryForm(request.POST)
    if not form.is_valid():
        return invalid(request, "knowledge")
    data = form.cleaned_data
    entry = actions.create_entry(
        request.member,
        kind=data["kind"],
        language=data["language"],
        question=data["question"],
        answer=data["answer"],
        phrasings=data["phrasings"].splitlines(),
        category=data["category"],
        public=data["public"],
    )
    return done(request, _("Entry added."), "knowledge-entry", entry.public_id.hex)


@require_POST
@settings_view("knowledge")
def import_file(request: SettingsRequest) -> HttpResponse:
    """The file is checked whole here (every problem listed, nothing imported if any); then it is imported in
    the background and its page shows how far it got."""
    require_admin(request.member)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return invalid(request, "knowledge")
    upload = form.cleaned_data["file"]
    if upload.size > UPLOAD_MAX:
        return _page(request, import_problems=[_("The file is larger than 5 MB.")], status=422)
    data = upload.read()
    if upload.name.lower().endswith(".csv"):
        plan = imports.check_csv(data)
    else:
        plan = imports.check_markdown(data, language=form.cleaned_data["language"], kind=form.cleaned_data["kind"])
    if plan.problems:
        return _page(request, import_problems=plan.problems, status=422)
    job = imports.start(request.member, file_name=upload.name, plan=plan)
    return done(
        request,
        _("The file is fine: importing %(entries)d entries (%(variants)d texts in all).")
        % {"entries": len(plan.entries), "variants": plan.variants},
        "knowledge-import-job",
        job.public_id.hex,
    )


@require_GET
@settings_view("knowledge")
def import_job(request: SettingsRequest, job_id: str) -> HttpResponse:
    """An import's progress (polled every second while it runs) and its report."""
    require_admin(request.member)
    job = get_import_job(request.member, job_id)
    if request.htmx and not request.htmx.boosted:
        return render(request, "knowledge/partials/import_progress.html", {"job": job})
    return render_page(request, "knowledge/import_job.html", {"job": job}, section=SECTION)


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


# An entry's own page


@page("knowledge-entry")
def _entry_page(
    request: SettingsRequest, entry_id: str, *, error: DomainError | None = None, status: int = 200, **_: Any
) -> HttpResponse:
    """The entry's settings, each language's text with its preview and ways to ask, a new language; a form
    that was posted and refused comes back as it was sent, with its errors."""
    entry = get_entry(request.member, entry_id)
    article = entry.kind == Entry.Kind.ARTICLE
    match = request.resolver_match
    posted_to = match.view_name if request.method == "POST" and match else ""
    posted_language = match.kwargs.get("language") if match else None
    sections = []
    languages = entry_sections(entry)
    written_in = sum(1 for s in languages if s.variant is not None)
    for section in languages:
        variant = section.variant
        form = None
        if variant is not None:
            if posted_to == "knowledge-variant" and posted_language == section.language:
                form = VariantForm(request.POST, prefix=section.language, article=article)
                form.is_valid()
            else:
                initial = {"question": variant.question, "answer": variant.answer}
                form = VariantForm(initial=initial, prefix=section.language, article=article)
        posted_phrasing = posted_to == "knowledge-phrasing-add" and request.POST.get("language") == section.language
        phrasing_form = PhrasingForm(
            request.POST if posted_phrasing else None,
            initial={"language": section.language},
            auto_id=f"id_phrasing_{section.language}_%s",
        )
        if posted_phrasing:
            phrasing_form.is_valid()
        sections.append(
            {
                "section": section,
                "form": form,
                "phrasing_form": phrasing_form,
                "preview": article_html(variant.answer) if variant else "",  # as the widget's help shows it
            }
        )
    taken = [s.language for s in languages if s.variant is not None]
    new_variant_form = NewVariantForm(
        request.POST if posted_to == "knowledge-variant-add" else None, taken=taken, article=article
    )
    if posted_to == "knowledge-variant-add":
        new_variant_form.is_valid()
    context = {
        "entry": entry,
        "title": next((s.variant.question for s in languages if s.variant), ""),
        "sections": sections,
        "single_language": written_in == 1,
        "settings_form": bound_form(
            request,
            EntrySettingsForm,
            "knowledge-entry-update",
            initial={"kind": entry.kind, "category": entry.category, "public": entry.public},
        ),
        "new_variant_form": new_variant_form,
        "error": error,
    }
    return render_page(request, "knowledge/entry.html", context, section=SECTION, status=status)


@require_GET
@settings_view("knowledge-entry")
def entry_detail(request: SettingsRequest, entry_id: str) -> HttpResponse:
    return _entry_page(request, entry_id)


@require_POST
@settings_view("knowledge-entry")
def entry_update(request: SettingsRequest, entry_id: str) -> HttpResponse:
    require_admin(request.member)
    entry = get_entry(request.member, entry_id)
    form = EntrySettingsForm(request.POST)
    if not form.is_valid():
        return invalid(request, "knowledge-entry", entry_id)
    actions.update_entry(request.member, entry, **form.cleaned_data)
    return done(request, _("Entry saved."), "knowledge-entry", entry_id)


@require_POST
@settings_view("knowledge-entry")
def entry_delete(request: SettingsRequest, entry_id: str) -> HttpResponse:
    entry = get_entry(request.member, entry_id)
    actions.delete_entry(request.member, entry)
    return done(request, _("Entry deleted."), "knowledge")


@require_POST
@settings_view("knowledge-entry")
def variant_update(request: SettingsRequest, entry_id: str, language: str) -> HttpResponse:
    require_admin(request.member)
    entry = get_entry(request.member, entry_id)
    form = VariantForm(request.POST, prefix=language)
    if not form.is_valid():
        return invalid(request, "knowledge-entry", entry_id)
    actions.update_variant(request.member, entry, language=language, **form.cleaned_data)
    return done(request, _("Saved."), "knowledge-entry", entry_id)


@require_POST
@settings_view("knowledge-entry")
def variant_delete(request: SettingsRequest, entry_id: str, language: str) -> HttpResponse:
    entry = get_entry(request.member, entry_id)
    actions.delete_variant(request.member, entry, language=language)
    return done(request, _("Language removed from the entry."), "knowledge-entry", entry_id)


@require_POST
@settings_view("knowledge-entry")
def variant_add(request: SettingsRequest, entry_id: str) -> HttpResponse:
    require_admin(request.member)
    entry = get_entry(request.member, entry_id)
    taken = list(entry.variants.values_list("language", flat=True))
    form = NewVariantForm(request.POST, taken=taken)
    if not form.is_valid():
        return invalid(request, "knowledge-entry", entry_id)
    data = form.cleaned_data
    actions.add_variant(
        request.member,
        entry,
        language=data["language"],
        question=data["question"],
        answer=data["answer"],
        phrasings=data["phrasings"].splitlines(),
    )
    return done(request, _("Language added."), "knowledge-entry", entry_id)


@require_POST
@settings_view("knowledge-entry")
def phrasing_add(request: SettingsRequest, entry_id: str) -> HttpResponse:
    require_admin(request.member)
    entry = get_entry(request.member, entry_id)
    form = PhrasingForm(request.POST)
    if not form.is_valid():
        return invalid(request, "knowledge-entry", entry_id)
    added = actions.add_phrasing(
        request.member, entry, language=form.cleaned_data["language"], text=form.cleaned_data["text"]
    )
    if added is None:
        raise InvalidInput(_("The entry already has that way to ask."), code="phrasing_exists")
    return done(request, _("Way to ask added."), "knowledge-entry", entry_id)


@require_POST
@settings_view("knowledge-entry")
def phrasing_remove(request: SettingsRequest, entry_id: str) -> HttpResponse:
    entry = get_entry(request.member, entry_id)
    actions.remove_phrasing(request.member, entry, text=request.POST.get("text", ""))
    return done(request, _("Way to ask removed."), "knowledge-entry", entry_id)
