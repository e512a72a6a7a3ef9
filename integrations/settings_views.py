"""Settings → Integrations: the workspace's Slack incoming webhook. Members may look; admins change."""

from typing import Any

from django import forms
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from integrations import actions
from integrations.models import SlackWebhook
from workspaces.settings_pages import SettingsRequest, bound_form, done, invalid, page, render_page, settings_view


class SlackForm(forms.Form):
    url = forms.URLField(
        label=gettext_lazy("Slack incoming-webhook URL"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy("Slack hears of new conversations and assignments. Leave empty to turn it off."),
    )


@page("integrations")
def _integrations_page(
    request: SettingsRequest, *, error: DomainError | None = None, status: int = 200, **_kwargs: Any
) -> HttpResponse:
    hook = SlackWebhook.objects.filter(workspace=request.member.workspace).first()
    context = {
        "hook": hook,
        "slack_form": bound_form(request, SlackForm, "integrations-slack", initial={"url": hook.url if hook else ""}),
        "error": error,
    }
    return render_page(request, "integrations/settings.html", context, section="integrations", status=status)


@require_GET
@settings_view("integrations")
def integrations(request: SettingsRequest) -> HttpResponse:
    return _integrations_page(request)


@require_POST
@settings_view("integrations")
def slack(request: SettingsRequest) -> HttpResponse:
    form = SlackForm(request.POST)
    if not form.is_valid():
        return invalid(request, "integrations")
    actions.set_slack_webhook(request.member, form.cleaned_data["url"])
    message = _("Slack notifications are on.") if form.cleaned_data["url"] else _("Slack notifications are off.")
    return done(request, message, "integrations-settings")
