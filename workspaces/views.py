"""Workspace settings (admins manage; agents work) and the public invitation page."""

from typing import Any

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contacts import actions as contact_actions
from contacts import segments as segment_rules
from contacts.models import Segment
from contacts.queries import get_segment, list_segment_members, list_segments_with_counts
from contacts.segments import count_members
from conversations import actions as conversation_actions
from conversations.queries import get_tag
from core.errors import DomainError
from workspaces import actions, forms
from workspaces.queries import (
    can_edit_reply_template,
    get_invitation,
    get_member,
    get_reply_template,
    get_team,
    is_member,
    list_members_with_access,
    list_pending_invitations,
    list_reply_templates,
    list_tags_with_counts,
    list_teams_with_members,
    list_workspace_inboxes,
    open_invitation,
    require_admin,
)
from workspaces.settings_pages import SettingsRequest, bound_form, done, invalid, page, render_page, settings_view

# Members and invitations


@page("members")
def _members_page(
    request: SettingsRequest, *, error: DomainError | None = None, status: int = 200, **_: Any
) -> HttpResponse:
    me = request.member
    context = {
        "members": list_members_with_access(me),
        "invitations": [
            (invitation, request.build_absolute_uri(reverse("workspaces:invitation", args=[invitation.token])))
            for invitation in (list_pending_invitations(me) if me.is_admin else [])
        ],
        "invitation_form": bound_form(request, forms.InvitationForm, "workspaces:invitation_create"),
        "error": error,
    }
    return render_page(request, "workspaces/members.html", context, section="members", status=status)


@require_GET
@settings_view("members")
def members(request: SettingsRequest) -> HttpResponse:
    return _members_page(request)


@page("member")
def _member_page(
    request: SettingsRequest, member_id: str, *, error: DomainError | None = None, status: int = 200, **_: Any
) -> HttpResponse:
    target = get_member(request.member, member_id)
    chosen = set(target.inboxes.values_list("pk", flat=True))
    context = {
        "target": target,
        "inboxes": [(inbox, inbox.pk in chosen) for inbox in list_workspace_inboxes(request.member)],
        "role_form": bound_form(request, forms.RoleForm, "workspaces:member_role", initial={"role": target.role}),
        "error": error,
    }
    return render_page(request, "workspaces/member.html", context, section="members", status=status)


@require_GET
@settings_view("member")
def member_detail(request: SettingsRequest, member_id: str) -> HttpResponse:
    return _member_page(request, member_id)


@require_POST
@settings_view("member")
def member_role(request: SettingsRequest, member_id: str) -> HttpResponse:
    require_admin(request.member)
    target = get_member(request.member, member_id)
    form = forms.RoleForm(request.POST)
    if not form.is_valid():
        return invalid(request, "member", member_id)
    actions.change_role(request.member, target, role=form.cleaned_data["role"])
    if target.is_admin:
        message = _("%(name)s is now an admin.") % {"name": target.display_name}
    else:
        message = _("%(name)s is now an agent.") % {"name": target.display_name}
    return done(request, message, "workspaces:member", member_id)


@require_POST
@settings_view("member")
def member_inboxes(request: SettingsRequest, member_id: str) -> HttpResponse:
    require_admin(request.member)
    target = get_member(request.member, member_id)
    actions.set_member_inboxes(request.member, target, inbox_ids=request.POST.getlist("inboxes"))
    return done(
        request, _("Inboxes of %(name)s saved.") % {"name": target.display_name}, "workspaces:member", member_id
    )


@require_POST
@settings_view("member")
def member_remove(request: SettingsRequest, member_id: str) -> HttpResponse:
    require_admin(request.member)
    target = get_member(request.member, member_id)
    actions.remove_member(request.member, target)
    return done(
        request, _("%(name)s was removed from the workspace.") % {"name": target.display_name}, "workspaces:members"
    )


@require_POST
@settings_view("members")
def invitation_create(request: SettingsRequest) -> HttpResponse:
    require_admin(request.member)
    form = forms.InvitationForm(request.POST)
    if not form.is_valid():
        return invalid(request, "members")
    actions.create_invitation(request.member, role=form.cleaned_data["role"])
    return done(request, _("Invitation link created. Copy it and send it to your teammate."), "workspaces:members")


@require_POST
@settings_view("members")
def invitation_revoke(request: SettingsRequest, invitation_id: str) -> HttpResponse:
    require_admin(request.member)
    actions.revoke_invitation(request.member, get_invitation(request.member, invitation_id))
    return done(request, _("Invitation revoked: its link no longer works."), "workspaces:members")


# Teams


@page("teams")
def _teams_page(
    request: SettingsRequest, *, error: DomainError | None = None, status: int = 200, **_: Any
) -> HttpResponse:
    context = {
        "teams": list_teams_with_members(request.member),
        "team_form": bound_form(request, forms.TeamForm, "workspaces:team_create"),
        "error": error,
    }
    return render_page(request, "workspaces/teams.html", context, section="teams", status=status)


@require_GET
@settings_view("teams")
def teams(request: SettingsRequest) -> HttpResponse:
    return _teams_page(request)


@require_POST
@settings_view("teams")
def team_create(request: SettingsRequest) -> HttpResponse:
    require_admin(request.member)
    form = forms.TeamForm(request.POST)
    if not form.is_valid():
        return invalid(request, "teams")
    team = actions.create_team(request.member, name=form.cleaned_data["name"])
    return done(request, _("Team “%(name)s” created.") % {"name": team.name}, "workspaces:teams")


@page("team")
def _team_page(
    request: SettingsRequest, team_id: str, *, error: DomainError | None = None, status: int = 200, **_: Any
) -> HttpResponse:
    team = get_team(request.member, team_id)
    chosen = set(team.members.values_list("pk", flat=True))
    context = {
        "team": team,
        "choices": [(m, m.pk in chosen) for m in list_members_with_access(request.member)],
        "team_form": bound_form(request, forms.TeamForm, "workspaces:team_rename", initial={"name": team.name}),
        "error": error,
    }
    return render_page(request, "workspaces/team.html", context, section="teams", status=status)


@require_GET
@settings_view("team")
def team_detail(request: SettingsRequest, team_id: str) -> HttpResponse:
    return _team_page(request, team_id)


@require_POST
@settings_view("team")
def team_rename(request: SettingsRequest, team_id: str) -> HttpResponse:
    require_admin(request.member)
    team = get_team(request.member, team_id)
    form = forms.TeamForm(request.POST)
    if not form.is_valid():
        return invalid(request, "team", team_id)
    actions.rename_team(request.member, team, name=form.cleaned_data["name"])
    return done(request, _("Team renamed to “%(name)s”.") % {"name": team.name}, "workspaces:team", team_id)


@require_POST
@settings_view("team")
def team_members(request: SettingsRequest, team_id: str) -> HttpResponse:
    require_admin(request.member)
    team = get_team(request.member, team_id)
    actions.set_team_members(request.member, team, member_ids=request.POST.getlist("members"))
    return done(request, _("Members of “%(name)s” saved.") % {"name": team.name}, "workspaces:team", team_id)


@require_POST
@settings_view("team")
def team_delete(request: SettingsRequest, team_id: str) -> HttpResponse:
    require_admin(request.member)
    team = get_team(request.member, team_id)
    actions.delete_team(request.member, team)
    return done(request, _("Team “%(name)s” deleted.") % {"name": team.name}, "workspaces:teams")


# Tags


@page("tags")
def _tags_page(
    request: SettingsRequest, *, error: DomainError | None = None, status: int = 200, **_: Any
) -> HttpResponse:
    context = {
        "tags": list_tags_with_counts(request.member),
        "tag_form": bound_form(request, forms.TagForm, "workspaces:tag_create"),
        "error": error,
    }
    return render_page(request, "workspaces/tags.html", context, section="tags", status=status)


@require_GET
@settings_view("tags")
def tags(request: SettingsRequest) -> HttpResponse:
    return _tags_page(request)


@require_POST
@settings_view("tags")
def tag_create(request: SettingsRequest) -> HttpResponse:
    require_admin(request.member)  # agents may still create tags inline while tagging a conversation
    form = forms.TagForm(request.POST)
    if not form.is_valid():
        return invalid(request, "tags")
    tag = conversation_actions.create_tag(request.member, **form.cleaned_data)
    return done(request, _("Tag “%(name)s” created.") % {"name": tag.name}, "workspaces:tags")


@page("tag")
def _tag_page(
    request: SettingsRequest, tag_id: str, *, error: DomainError | None = None, status: int = 200, **_: Any
) -> HttpResponse:
    tag = get_tag(request.member, tag_id)
    context = {
        "tag": tag,
        "tag_form": bound_form(
            request, forms.TagForm, "workspaces:tag_update", initial={"name": tag.name, "colour": tag.colour}
        ),
        "error": error,
    }
    return render_page(request, "workspaces/tag.html", context, section="tags", status=status)


@require_GET
@settings_view("tag")
def tag_detail(request: SettingsRequest, tag_id: str) -> HttpResponse:
    return _tag_page(request, tag_id)


@require_POST
@settings_view("tag")
def tag_update(request: SettingsRequest, tag_id: str) -> HttpResponse:
    require_admin(request.member)
    tag = get_tag(request.member, tag_id)
    form = forms.TagForm(request.POST)
    if not form.is_valid():
        return invalid(request, "tag", tag_id)
    conversation_actions.update_tag(request.member, tag, **form.cleaned_data)
    return done(request, _("Tag “%(name)s” saved.") % {"name": tag.name}, "workspaces:tags")


@require_POST
@settings_view("tag")
def tag_delete(request: SettingsRequest, tag_id: str) -> HttpResponse:
    require_admin(request.member)
    tag = get_tag(request.member, tag_id)
    conversation_actions.delete_tag(request.member, tag)
    return done(request, _("Tag “%(name)s” deleted.") % {"name": tag.name}, "workspaces:tags")


# Reply templates


@page("templates")
def _templates_page(
    request: SettingsRequest, *, error: DomainError | None = None, status: int = 200, **_: Any
) -> HttpResponse:
    templates = list_reply_templates(request.member)
    context = {
        "templates": [(t, can_edit_reply_template(request.member, t)) for t in templates],
        "template_form": bound_form(request, forms.ReplyTemplateForm, "workspaces:template_create"),
        "error": error,
    }
    return render_page(request, "workspaces/templates.html", context, section="templates", status=status)


@require_GET
@settings_view("templates")
def reply_templates(request: SettingsRequest) -> HttpResponse:
    return _templates_page(request)


@require_POST
@settings_view("templates")
def template_create(request: SettingsRequest) -> HttpResponse:
    form = forms.ReplyTemplateForm(request.POST)
    if not form.is_valid():
        return invalid(request, "templates")
    saved = conversation_actions.save_canned_response(request.member, **form.cleaned_data)
    return done(
        request, _("Reply template /%(shortcut)s created.") % {"shortcut": saved.shortcut}, "workspaces:templates"
    )


@page("template")
def _template_page(
    request: SettingsRequest, template_id: str, *, error: DomainError | None = None, status: int = 200, **_: Any
) -> HttpResponse:
    response = get_reply_template(request.member, template_id)
    initial = {"shortcut": response.shortcut, "text": response.text}
    context = {
        "reply_template": response,
        "can_edit": can_edit_reply_template(request.member, response),
        "template_form": bound_form(request, forms.ReplyTemplateForm, "workspaces:template_update", initial=initial),
        "error": error,
    }
    return render_page(request, "workspaces/template.html", context, section="templates", status=status)


@require_GET
@settings_view("template")
def template_detail(request: SettingsRequest, template_id: str) -> HttpResponse:
    return _template_page(request, template_id)


@require_POST
@settings_view("template")
def template_update(request: SettingsRequest, template_id: str) -> HttpResponse:
    response = get_reply_template(request.member, template_id)
    form = forms.ReplyTemplateForm(request.POST)
    if not form.is_valid():
        return invalid(request, "template", template_id)
    conversation_actions.save_canned_response(request.member, response=response, **form.cleaned_data)
    return done(
        request, _("Reply template /%(shortcut)s saved.") % {"shortcut": response.shortcut}, "workspaces:templates"
    )


@require_POST
@settings_view("template")
def template_delete(request: SettingsRequest, template_id: str) -> HttpResponse:
    response = get_reply_template(request.member, template_id)
    conversation_actions.delete_canned_response(request.member, response)
    return done(
        request, _("Reply template /%(shortcut)s deleted.") % {"shortcut": response.shortcut}, "workspaces:templates"
    )


# Profile and preferences


@page("profile")
def _profile_page(
    request: SettingsRequest, *, error: DomainError | None = None, status: int = 200, **_: Any
) -> HttpResponse:
    me = request.member
    context = {
        "name_form": bound_form(
            request, forms.DisplayNameForm, "workspaces:profile_name", initial={"display_name": me.display_name}
        ),
        "availability_form": bound_form(
            request,
            forms.AvailabilityForm,
            "workspaces:profile_availability",
            initial={"availability": me.availability},
        ),
        "notifications_form": bound_form(
            request,
            forms.NotificationsForm,
            "workspaces:profile_notifications",
            initial={
                "notify_desktop": me.notify_desktop,
                "notify_sound": me.notify_sound,
                "notify_email": me.notify_email,
                "notify_digest": me.notify_digest,
            },
        ),
        "error": error,
    }
    return render_page(request, "workspaces/profile.html", context, section="profile", status=status)


@require_GET
@settings_view("profile")
def profile(request: SettingsRequest) -> HttpResponse:
    return _profile_page(request)


@require_POST
@settings_view("profile")
def profile_name(request: SettingsRequest) -> HttpResponse:
    form = forms.DisplayNameForm(request.POST)
    if not form.is_valid():
        return invalid(request, "profile")
    actions.update_profile(request.member, display_name=form.cleaned_data["display_name"])
    return done(request, _("Display name saved."), "workspaces:profile")


@require_POST
@settings_view("profile")
def profile_availability(request: SettingsRequest) -> HttpResponse:
    form = forms.AvailabilityForm(request.POST)
    if not form.is_valid():
        return invalid(request, "profile")
    actions.set_availability(request.member, form.cleaned_data["availability"])
    return done(request, _("Availability saved."), "workspaces:profile")


@require_POST
@settings_view("profile")
def profile_notifications(request: SettingsRequest) -> HttpResponse:
    form = forms.NotificationsForm(request.POST)
    form.is_valid()  # optional checkboxes: always valid
    data = form.cleaned_data
    actions.set_notification_preferences(
        request.member,
        desktop=data["notify_desktop"],
        sound=data["notify_sound"],
        email=data["notify_email"],
        digest=data["notify_digest"],
    )
    return done(request, _("Notification preferences saved."), "workspaces:profile")


# The public invitation page


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Join a workspace from an invitation link: signed in, with one click; otherwise by signing up."""
    try:
        invite = open_invitation(token)
    except DomainError as error:
        return render(request, "workspaces/invitation.html", {"error": error, "dead": True}, status=error.status)
    context: dict[str, Any] = {"invitation": invite, "token": token, "error": None}
    if is_member(request.user, invite.workspace_id):
        return render(request, "workspaces/invitation.html", {**context, "already_member": True})
    signed_in = request.user.is_authenticated
    form = forms.SignUpForm(request.POST if request.method == "POST" and not signed_in else None)
    context["form"] = form
    if request.method == "GET":
        return render(request, "workspaces/invitation.html", context)
    try:
        if signed_in:
            actions.accept_invitation(request.user, token=token)  # type: ignore[arg-type]
        elif form.is_valid():
            data = form.cleaned_data
            joined = actions.sign_up_with_invitation(
                token=token, name=data["name"], email=data["email"], password=data["password"]
            )
            login(request, joined.user, backend="django.contrib.auth.backends.ModelBackend")
        else:
            return render(request, "workspaces/invitation.html", context, status=422)
    except DomainError as error:
        return render(request, "workspaces/invitation.html", {**context, "error": error}, status=error.status)
    return redirect("conversations:inbox")  # the inbox shows no flash messages: the workspace name greets them


@require_GET
@settings_view("members")
def settings_root(request: SettingsRequest) -> HttpResponse:
    return redirect("workspaces:members")


# Segments


def _builder(request: SettingsRequest, posted_to: str, rules: Any, name: str) -> dict[str, Any]:
    """The rule builder's name, match and rows: as posted to `posted_to`, else from the saved rules."""
    match = request.resolver_match
    if request.method == "POST" and match is not None and match.view_name == posted_to:
        return {
            "segment_name": request.POST.get("name", ""),
            "match": request.POST.get("match", "all"),
            "rows": _posted_rows(request),
        }
    rows = segment_rules.rows_from_rules(rules) if rules else []
    return {
        "segment_name": name,
        "match": rules.get("match", "all") if isinstance(rules, dict) else "all",
        "rows": rows or [dict.fromkeys(segment_rules.ROW_FIELDS, "")],
    }


def _posted_rows(request: HttpRequest) -> list[dict[str, str]]:
    columns = {key: request.POST.getlist(key) for key in segment_rules.ROW_FIELDS}
    size = min(len(columns["kind"]), segment_rules.MAX_CONDITIONS + 5)
    return [{key: (values[i] if i < len(values) else "") for key, values in columns.items()} for i in range(size)]


def _posted_rules(request: HttpRequest) -> dict[str, Any]:
    return segment_rules.rules_from_rows(request.POST.get("match", "all"), _posted_rows(request))


def _builder_choices(request: SettingsRequest) -> dict[str, Any]:
    return {
        "kinds": [(kind, segment_rules.KIND_LABELS[kind]) for kind in segment_rules.KINDS],
        "ops_by_kind": [
            (segment_rules.KIND_LABELS[kind], kind, ops) for kind, ops in segment_rules.OPS_BY_KIND.items()
        ],
        "fields": segment_rules.FIELDS,
        "attribute_keys": sorted(segment_rules.attribute_types(request.member.workspace_id)),
    }


@page("segments")
def _segments_page(
    request: SettingsRequest, *, error: DomainError | None = None, status: int = 200, **_: Any
) -> HttpResponse:
    context: dict[str, Any] = {"segments": list_segments_with_counts(request.member), "error": error}
    if request.member.is_admin:
        context.update(_builder(request, "workspaces:segment_create", None, ""))
        context.update(_builder_choices(request))
    return render_page(request, "workspaces/segments.html", context, section="segments", status=status)


@require_GET
@settings_view("segments")
def segments(request: SettingsRequest) -> HttpResponse:
    return _segments_page(request)


@require_POST
@settings_view("segments")
def segment_create(request: SettingsRequest) -> HttpResponse:
    require_admin(request.member)
    segment = contact_actions.create_segment(
        request.member, name=request.POST.get("name", ""), rules=_posted_rules(request)
    )
    return done(
        request, _("Segment “%(name)s” created.") % {"name": segment.name}, "workspaces:segment", segment.public_id.hex
    )


@page("segment")
def _segment_page(
    request: SettingsRequest, segment_id: str, *, error: DomainError | None = None, status: int = 200, **_: Any
) -> HttpResponse:
    segment = get_segment(request.member, segment_id)
    context: dict[str, Any] = {
        "segment": segment,
        "members_page": list_segment_members(request.member, segment, cursor=request.GET.get("after")),
        "error": error,
    }
    if request.member.is_admin:
        context.update(_builder(request, "workspaces:segment_update", segment.rules, segment.name))
        context.update(_builder_choices(request))
    return render_page(request, "workspaces/segment.html", context, section="segments", status=status)


@require_GET
@settings_view("segment")
def segment_detail(request: SettingsRequest, segment_id: str) -> HttpResponse:
    return _segment_page(request, segment_id)


@require_POST
@settings_view("segment")
def segment_update(request: SettingsRequest, segment_id: str) -> HttpResponse:
    require_admin(request.member)
    segment = get_segment(request.member, segment_id)
    contact_actions.update_segment(
        request.member, segment, name=request.POST.get("name", ""), rules=_posted_rules(request)
    )
    return done(
        request, _("Segment “%(name)s” saved.") % {"name": segment.name}, "workspaces:segment", segment.public_id.hex
    )


@require_POST
@settings_view("segment")
def segment_delete(request: SettingsRequest, segment_id: str) -> HttpResponse:
    require_admin(request.member)
    segment = get_segment(request.member, segment_id)
    contact_actions.delete_segment(request.member, segment)
    return done(request, _("Segment “%(name)s” deleted.") % {"name": segment.name}, "workspaces:segments")


@require_GET
@settings_view("segments")
def segment_condition(request: SettingsRequest) -> HttpResponse:
    """One empty condition row of the rule builder (htmx "Add condition"); `?remove=1` answers nothing."""
    if request.GET.get("remove"):
        return HttpResponse("")
    context = {"row": dict.fromkeys(segment_rules.ROW_FIELDS, ""), **_builder_choices(request)}
    return render(request, "workspaces/segment_condition.html", context)


@require_POST
@settings_view("segments")
def segment_preview(request: SettingsRequest) -> HttpResponse:
    """How many contacts the rules being edited match (htmx, live); the rules' error when they do not validate."""
    require_admin(request.member)
    try:
        rules = segment_rules.clean_rules(request.member.workspace_id, _posted_rules(request))
    except DomainError as error:
        return render(request, "workspaces/segment_preview.html", {"error": error})
    unsaved = Segment(workspace_id=request.member.workspace_id, rules=rules)
    unsaved.pk = 0
    count = count_members(request.member.workspace_id, [unsaved])[0]
    return render(request, "workspaces/segment_preview.html", {"count": count})


# Custom attributes of contacts (admins manage; agents read)

from contacts.models import AttributeDefinition  # noqa: E402  (kept with the section it serves)
from contacts.queries import get_attribute, list_attributes_with_counts  # noqa: E402


def _posted_attribute(request: HttpRequest) -> dict[str, Any]:
    """Label, type and options (one per line) as posted; the actions validate them."""
    options = [line for line in request.POST.get("options", "").splitlines() if line.strip()]
    return {"label": request.POST.get("label", ""), "type": request.POST.get("type", ""), "options": options}


def _attribute_values(
    request: SettingsRequest, posted_to: str, definition: AttributeDefinition | None
) -> dict[str, Any]:
    """The form's values: as posted to `posted_to`, else the saved definition's (or empty for a new one)."""
    match = request.resolver_match
    if request.method == "POST" and match is not None and match.view_name == posted_to:
        return {
            "key": request.POST.get("key", ""),
            "label": request.POST.get("label", ""),
            "type": request.POST.get("type", ""),
            "options": request.POST.get("options", ""),
        }
    if definition is None:
        return {"key": "", "label": "", "type": AttributeDefinition.Type.TEXT, "options": ""}
    return {
        "key": definition.key,
        "label": definition.label,
        "type": definition.type,
        "options": "\n".join(str(o) for o in definition.options or []),
    }


@page("attributes")
def _attributes_page(
    request: SettingsRequest, *, error: DomainError | None = None, status: int = 200, **_: Any
) -> HttpResponse:
    context = {
        "attributes": list_attributes_with_counts(request.member),
        "types": AttributeDefinition.Type.choices,
        "values": _attribute_values(request, "workspaces:attribute_create", None),
        "error": error,
    }
    return render_page(request, "workspaces/attributes.html", context, section="attributes", status=status)


@require_GET
@settings_view("attributes")
def attributes(request: SettingsRequest) -> HttpResponse:
    return _attributes_page(request)


@require_POST
@settings_view("attributes")
def attribute_create(request: SettingsRequest) -> HttpResponse:
    require_admin(request.member)
    definition = contact_actions.create_attribute(
        request.member, key=request.POST.get("key", ""), **_posted_attribute(request)
    )
    return done(request, _("Attribute “%(label)s” created.") % {"label": definition.label}, "workspaces:attributes")


@page("attribute")
def _attribute_page(
    request: SettingsRequest, attribute_id: str, *, error: DomainError | None = None, status: int = 200, **_: Any
) -> HttpResponse:
    definition = get_attribute(request.member, attribute_id)
    context = {
        "attribute": definition,
        "types": AttributeDefinition.Type.choices,
        "values": _attribute_values(request, "workspaces:attribute_update", definition),
        "error": error,
    }
    return render_page(request, "workspaces/attribute.html", context, section="attributes", status=status)


@require_GET
@settings_view("attribute")
def attribute_detail(request: SettingsRequest, attribute_id: str) -> HttpResponse:
    return _attribute_page(request, attribute_id)


@require_POST
@settings_view("attribute")
def attribute_update(request: SettingsRequest, attribute_id: str) -> HttpResponse:
    require_admin(request.member)
    definition = get_attribute(request.member, attribute_id)
    contact_actions.update_attribute(request.member, definition, **_posted_attribute(request))
    return done(request, _("Attribute “%(label)s” saved.") % {"label": definition.label}, "workspaces:attributes")


@require_POST
@settings_view("attribute")
def attribute_delete(request: SettingsRequest, attribute_id: str) -> HttpResponse:
    require_admin(request.member)
    definition = get_attribute(request.member, attribute_id)
    removed = contact_actions.delete_attribute(request.member, definition)
    message = ngettext(
        "Attribute “%(label)s” deleted; its values were removed from %(count)d contact.",
        "Attribute “%(label)s” deleted; its values were removed from %(count)d contacts.",
        removed,
    ) % {"label": definition.label, "count": removed}
    return done(request, message, "workspaces:attributes")
