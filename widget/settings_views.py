"""Settings of each inbox's web widget: install, appearance, availability and welcome messages.

Members may look; admins change (widget.actions checks). Pages follow workspaces.settings_pages: a page
function renders, a POST that fails re-renders it with field errors (422) or the error's status."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError, NotFound
from integrations.forms import EmailInboxForm
from widget import actions, forms
from widget.languages import LANGUAGES
from widget.models import WelcomeRule
from widget.queries import widget_settings
from widget.settings_queries import get_welcome_rule, list_settings_inboxes, list_welcome_rules, team_initials
from workspaces.models import Inbox
from workspaces.queries import get_inbox, require_admin
from workspaces.settings_pages import SettingsRequest, bound_form, done, invalid, page, render_page, settings_view

SECTION = "inboxes"


def _inbox_page(
    request: SettingsRequest, template: str, inbox: Inbox, tab: str, context: dict[str, Any], status: int
) -> HttpResponse:
    context = {"inbox": inbox, "tab": tab, **context}
    return render_page(request, f"widget/settings/{template}", context, section=SECTION, status=status)


def _widget_inbox(request: SettingsRequest, inbox_id: str) -> Inbox:
    """An inbox with a web widget the member may see (an email inbox has its own settings page)."""
    inbox = get_inbox(request.member, inbox_id)
    if inbox.is_email:
        raise NotFound(_("This inbox is an email inbox: it has no widget."))
    return inbox


def _posted_here(request: HttpRequest, posted_to: str) -> bool:
    match = request.resolver_match
    return request.method == "POST" and match is not None and match.view_name == posted_to


def _script_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("widget-js"))


# The list of inboxes


@page("widget_inboxes")
def _inboxes_page(
    request: SettingsRequest, *, error: DomainError | None = None, status: int = 200, **_kwargs: Any
) -> HttpResponse:
    context = {
        "inboxes": list_settings_inboxes(request.member),
        "inbox_form": bound_form(request, forms.InboxForm, "widget-settings-inbox-create"),
        "email_inbox_form": bound_form(request, EmailInboxForm, "integrations-email-inbox-create"),
        "error": error,
    }
    return render_page(request, "widget/settings/inboxes.html", context, section=SECTION, status=status)


@require_GET
@settings_view("widget_inboxes")
def inboxes(request: SettingsRequest) -> HttpResponse:
    return _inboxes_page(request)


@require_POST
@settings_view("widget_inboxes")
def inbox_create(request: SettingsRequest) -> HttpResponse:
    require_admin(request.member)
    form = forms.InboxForm(request.POST)
    if not form.is_valid():
        return invalid(request, "widget_inboxes")
    inbox = actions.create_inbox(request.member, **form.cleaned_data)
    message = _("Inbox “%(name)s” created. Paste the snippet below into your site.") % {"name": inbox.name}
    return done(request, message, "widget-settings-install", inbox.public_id.hex)


# Install


@page("widget_install")
def _install_page(
    request: SettingsRequest, inbox_id: str, *, error: DomainError | None = None, status: int = 200, **_kwargs: Any
) -> HttpResponse:
    inbox = _widget_inbox(request, inbox_id)
    context = {
        "snippet": actions.install_snippet(inbox, _script_url(request)),
        "origins_form": bound_form(
            request, forms.OriginsForm, "widget-settings-origins", initial={"allowed_origins": inbox.allowed_origins}
        ),
        "capture_form": bound_form(
            request,
            forms.CaptureEmailsForm,
            "widget-settings-capture",
            initial={"capture_emails": inbox.capture_emails},
        ),
        "email_form": bound_form(request, forms.DeveloperEmailForm, "widget-settings-email"),
        "error": error,
    }
    return _inbox_page(request, "install.html", inbox, "install", context, status)


@require_GET
@settings_view("widget_install")
def install(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    return _install_page(request, inbox_id)


@require_POST
@settings_view("widget_install")
def origins(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    require_admin(request.member)
    inbox = _widget_inbox(request, inbox_id)
    form = forms.OriginsForm(request.POST)
    if not form.is_valid():
        return invalid(request, "widget_install", inbox_id)
    actions.set_allowed_origins(request.member, inbox, form.cleaned_data["allowed_origins"])
    return done(request, _("Allowed site origins saved."), "widget-settings-install", inbox_id)


@require_POST
@settings_view("widget_install")
def capture_emails(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    require_admin(request.member)
    inbox = _widget_inbox(request, inbox_id)
    form = forms.CaptureEmailsForm(request.POST)
    if not form.is_valid():
        return invalid(request, "widget_install", inbox_id)
    actions.set_capture_emails(request.member, inbox, capture_emails=form.cleaned_data["capture_emails"])
    message = _("Emails typed into the site are captured.") if inbox.capture_emails else _("Emails are not captured.")
    return done(request, message, "widget-settings-install", inbox_id)


@require_POST
@settings_view("widget_install")
def email_developer(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    require_admin(request.member)
    inbox = _widget_inbox(request, inbox_id)
    form = forms.DeveloperEmailForm(request.POST)
    if not form.is_valid():
        return invalid(request, "widget_install", inbox_id)
    to = form.cleaned_data["email"]
    actions.email_install_snippet(request.member, inbox, to=to, script_url=_script_url(request))
    return done(request, _("The snippet was sent to %(email)s.") % {"email": to}, "widget-settings-install", inbox_id)


# Appearance


def _text_language(request: HttpRequest, default: str) -> str:
    """The language whose texts are edited: as posted, else ?lang=, else the default language."""
    lang = request.POST.get("text_language") if request.method == "POST" else request.GET.get("lang")
    return lang if lang in LANGUAGES else default


def _preview(form: forms.AppearanceForm, fallback: dict[str, str], inbox_name: str, colour: str) -> dict[str, Any]:
    """What the preview first shows (its script follows the form from there): the form's values."""

    def value(name: str) -> str:
        return str(form[name].value() or "").strip()

    title_fallback = fallback["greeting_title"] or inbox_name
    return {
        "colour": value("colour") if actions.COLOUR.match(value("colour")) else colour,
        "position": value("position") or "right",
        "icon": value("launcher_icon") or "chat",
        "title": value("greeting_title") or title_fallback,
        "title_fallback": title_fallback,
        "tagline": value("greeting_tagline") or fallback["greeting_tagline"],
        "label": value("launcher_label") or fallback["launcher_label"],
        "show_team": bool(form["show_team"].value()),
    }


@page("widget_appearance")
def _appearance_page(
    request: SettingsRequest, inbox_id: str, *, error: DomainError | None = None, status: int = 200, **_kwargs: Any
) -> HttpResponse:
    inbox = _widget_inbox(request, inbox_id)
    settings = widget_settings(inbox)
    lang = _text_language(request, settings.default_language)
    texts = settings.texts.get(lang) or {}
    initial = {
        "colour": settings.colour,
        "position": settings.position,
        "launcher_icon": settings.launcher_icon,
        "show_team": settings.show_team,
        "start_open": settings.start_open,
        "z_index": settings.z_index,
        "default_language": settings.default_language,
        "text_language": lang,
        **{key: texts.get(key, "") for key in forms.AppearanceForm.TEXT_FIELDS},
    }
    form = bound_form(request, forms.AppearanceForm, "widget-settings-appearance-save", initial=initial)
    # What the widget says where a text of this language is left empty: the default language's text.
    fallback = {
        key: (settings.text(key, settings.default_language) if lang != settings.default_language else "")
        for key in forms.AppearanceForm.TEXT_FIELDS
    }
    for key, value in fallback.items():
        if value:
            form.fields[key].widget.attrs["placeholder"] = value
    context = {
        "form": form,
        "preview": _preview(form, fallback, inbox.name, settings.colour),
        "text_fields": [form[key] for key in forms.AppearanceForm.TEXT_FIELDS],
        "lang": lang,
        "lang_name": LANGUAGES[lang],
        "default_language": settings.default_language,
        "default_language_name": LANGUAGES.get(settings.default_language, settings.default_language),
        "languages": [(code, name, code in settings.texts) for code, name in LANGUAGES.items()],
        "fallback": fallback,
        "team": team_initials(inbox),
        "error": error,
    }
    return _inbox_page(request, "appearance.html", inbox, "appearance", context, status)


@require_GET
@settings_view("widget_appearance")
def appearance(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    return _appearance_page(request, inbox_id)


@require_POST
@settings_view("widget_appearance")
def appearance_save(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    require_admin(request.member)
    inbox = _widget_inbox(request, inbox_id)
    form = forms.AppearanceForm(request.POST)
    if not form.is_valid():
        return invalid(request, "widget_appearance", inbox_id)
    data = form.cleaned_data
    actions.save_appearance(
        request.member,
        inbox,
        colour=data["colour"],
        position=data["position"],
        launcher_icon=data["launcher_icon"],
        show_team=data["show_team"],
        start_open=data["start_open"],
        z_index=data["z_index"],
        default_language=data["default_language"],
        text_language=data["text_language"],
        texts={key: data[key] for key in forms.AppearanceForm.TEXT_FIELDS},
    )
    messages.success(request, _("Appearance saved: the widget shows it on the next page load."))
    url = reverse("widget-settings-appearance", args=[inbox_id])
    return redirect(f"{url}?{urlencode({'lang': data['text_language']})}")


# Availability


@page("widget_availability")
def _availability_page(
    request: SettingsRequest, inbox_id: str, *, error: DomainError | None = None, status: int = 200, **_kwargs: Any
) -> HttpResponse:
    inbox = _widget_inbox(request, inbox_id)
    settings = widget_settings(inbox)
    initial = forms.AvailabilityForm.initial_from(settings)
    form = bound_form(request, forms.AvailabilityForm, "widget-settings-availability-save", initial=initial)
    split_days = [str(forms.WEEKDAY_NAMES[int(day)]) for day, hours in settings.weekly_hours.items() if len(hours) > 1]
    context = {"form": form, "split_days": split_days, "error": error}
    return _inbox_page(request, "availability.html", inbox, "availability", context, status)


@require_GET
@settings_view("widget_availability")
def availability(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    return _availability_page(request, inbox_id)


@require_POST
@settings_view("widget_availability")
def availability_save(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    require_admin(request.member)
    inbox = _widget_inbox(request, inbox_id)
    form = forms.AvailabilityForm(request.POST)
    if not form.is_valid():
        return invalid(request, "widget_availability", inbox_id)
    data = form.cleaned_data
    actions.save_availability(
        request.member,
        inbox,
        availability=data["availability"],
        time_zone=data["time_zone"],
        weekly_hours=data["weekly_hours"],
        holidays=data["holidays"],
        when_offline=data["when_offline"],
        email_prompt_seconds=data["email_prompt_seconds"],
    )
    return done(request, _("Availability saved."), "widget-settings-availability", inbox_id)


# Welcome messages


def _rule_form(
    request: HttpRequest, posted_to: str, default_language: str, initial: dict[str, Any] | None = None
) -> forms.WelcomeRuleForm:
    """The rule form as posted to `posted_to`, else a fresh one (bound_form with the default language)."""
    if _posted_here(request, posted_to):
        form = forms.WelcomeRuleForm(request.POST, initial=initial, default_language=default_language)
        form.is_valid()
        return form
    return forms.WelcomeRuleForm(initial=initial, default_language=default_language)


@page("widget_welcome")
def _welcome_page(
    request: SettingsRequest, inbox_id: str, *, error: DomainError | None = None, status: int = 200, **_kwargs: Any
) -> HttpResponse:
    inbox = _widget_inbox(request, inbox_id)
    settings = widget_settings(inbox)
    url_labels: dict[str, Any] = dict(forms.URL_MATCHES)
    visitor_labels: dict[str, Any] = dict(forms.VISITORS)
    rows = [
        {
            "rule": rule,
            "url_match": url_labels.get(rule.url_match, rule.url_match),
            "visitors": visitor_labels.get(rule.visitors, rule.visitors),
            "language": LANGUAGES.get(rule.language, rule.language) if rule.language else _("Every language"),
            "message": rule.message(settings.default_language, settings.default_language),
            "first": index == 0,
            "last": index == count - 1,
        }
        for rules in [list_welcome_rules(inbox)]
        for count in [len(rules)]
        for index, rule in enumerate(rules)
    ]
    return _inbox_page(request, "welcome.html", inbox, "welcome", {"rows": rows, "error": error}, status)


@require_GET
@settings_view("widget_welcome")
def welcome(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    return _welcome_page(request, inbox_id)


@page("widget_welcome_new")
def _welcome_new_page(
    request: SettingsRequest, inbox_id: str, *, error: DomainError | None = None, status: int = 200, **_kwargs: Any
) -> HttpResponse:
    inbox = _widget_inbox(request, inbox_id)
    default_language = widget_settings(inbox).default_language
    context = {
        "form": _rule_form(request, "widget-settings-welcome-create", default_language),
        "default_language_name": LANGUAGES.get(default_language, default_language),
        "error": error,
    }
    return _inbox_page(request, "welcome_rule.html", inbox, "welcome", context, status)


@require_GET
@settings_view("widget_welcome_new")
def welcome_new(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    return _welcome_new_page(request, inbox_id)


@require_POST
@settings_view("widget_welcome_new")
def welcome_create(request: SettingsRequest, inbox_id: str) -> HttpResponse:
    require_admin(request.member)
    inbox = _widget_inbox(request, inbox_id)
    default_language = widget_settings(inbox).default_language
    form = forms.WelcomeRuleForm(request.POST, default_language=default_language)
    if not form.is_valid():
        return invalid(request, "widget_welcome_new", inbox_id)
    rule = actions.create_welcome_rule(request.member, inbox, default_language=default_language, **form.values())
    message = _("Welcome message “%(name)s” created.") % {"name": rule.name}
    return done(request, message, "widget-settings-welcome", inbox_id)


@page("widget_welcome_rule")
def _welcome_rule_page(
    request: SettingsRequest,
    inbox_id: str,
    rule_id: str,
    *,
    error: DomainError | None = None,
    status: int = 200,
    **_kwargs: Any,
) -> HttpResponse:
    inbox = _widget_inbox(request, inbox_id)
    rule = get_welcome_rule(inbox, rule_id)
    default_language = widget_settings(inbox).default_language
    initial = forms.WelcomeRuleForm.initial_from(rule)
    context = {
        "rule": rule,
        "form": _rule_form(request, "widget-settings-welcome-update", default_language, initial),
        "default_language_name": LANGUAGES.get(default_language, default_language),
        "error": error,
    }
    return _inbox_page(request, "welcome_rule.html", inbox, "welcome", context, status)


@require_GET
@settings_view("widget_welcome_rule")
def welcome_rule(request: SettingsRequest, inbox_id: str, rule_id: str) -> HttpResponse:
    return _welcome_rule_page(request, inbox_id, rule_id)


def _admin_rule(request: SettingsRequest, inbox_id: str, rule_id: str) -> tuple[Inbox, WelcomeRule]:
    require_admin(request.member)
    inbox = _widget_inbox(request, inbox_id)
    return inbox, get_welcome_rule(inbox, rule_id)


@require_POST
@settings_view("widget_welcome_rule")
def welcome_update(request: SettingsRequest, inbox_id: str, rule_id: str) -> HttpResponse:
    inbox, rule = _admin_rule(request, inbox_id, rule_id)
    default_language = widget_settings(inbox).default_language
    form = forms.WelcomeRuleForm(request.POST, default_language=default_language)
    if not form.is_valid():
        return invalid(request, "widget_welcome_rule", inbox_id, rule_id)
    actions.update_welcome_rule(request.member, rule, default_language=default_language, **form.values())
    return done(
        request, _("Welcome message “%(name)s” saved.") % {"name": rule.name}, "widget-settings-welcome", inbox_id
    )


@require_POST
@settings_view("widget_welcome_rule")
def welcome_delete(request: SettingsRequest, inbox_id: str, rule_id: str) -> HttpResponse:
    _inbox, rule = _admin_rule(request, inbox_id, rule_id)
    actions.delete_welcome_rule(request.member, rule)
    message = _("Welcome message “%(name)s” deleted.") % {"name": rule.name}
    return done(request, message, "widget-settings-welcome", inbox_id)


@require_POST
@settings_view("widget_welcome")
def welcome_move(request: SettingsRequest, inbox_id: str, rule_id: str) -> HttpResponse:
    _inbox, rule = _admin_rule(request, inbox_id, rule_id)
    by = {"up": -1, "down": 1}.get(request.POST.get("direction", ""), 0)
    actions.move_welcome_rule(request.member, rule, by=by)
    message = _("“%(name)s” moved up.") if by < 0 else _("“%(name)s” moved down.")
    return done(request, message % {"name": rule.name}, "widget-settings-welcome", inbox_id)
