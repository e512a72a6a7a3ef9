"""The frame every settings page shares: members only, a failed action re-renders its page.

Every page is one function that renders it, so a POST whose action fails re-renders the
page it came from with the message and the error's status; a POST that succeeds
redirects back with a flash message. A re-rendered page binds the form that was posted
(known by the URL it was posted to), so it shows the submitted values and field errors.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.middleware import HtmxDetails

from core.errors import DomainError
from workspaces.models import Member
from workspaces.queries import get_current_member


class SettingsRequest(HttpRequest):
    member: Member
    htmx: HtmxDetails


P = ParamSpec("P")
F = TypeVar("F", bound=django_forms.Form)
View = Callable[..., HttpResponse]
PAGES: dict[str, View] = {}


def page(name: str) -> Callable[[View], View]:
    """Register the function that renders the settings page `name`."""

    def register(render_page: View) -> View:
        PAGES[name] = render_page
        return render_page

    return register


def settings_view(
    page_name: str,
) -> Callable[[Callable[Concatenate[SettingsRequest, P], HttpResponse]], Callable[..., HttpResponse]]:
    """Signed-in members only; sets request.member; a domain error re-renders `page_name` with it."""

    def decorate(view: Callable[Concatenate[SettingsRequest, P], HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            member = get_current_member(request.user)
            if member is None:
                return HttpResponseForbidden(_("You are not a member of any workspace."))
            request.member = member  # type: ignore[attr-defined]
            settings_request: SettingsRequest = request  # type: ignore[assignment]
            try:
                response = view(settings_request, *args, **kwargs)
            except DomainError as error:
                try:
                    response = PAGES[page_name](settings_request, *args, error=error, status=error.status, **kwargs)
                except DomainError as again:  # the page itself cannot be shown (e.g. its row is not found)
                    response = render(
                        request, "workspaces/error.html", {"member": member, "error": again}, status=again.status
                    )
            if request.method == "POST" and not response.has_header("Location"):
                response["HX-Push-Url"] = "false"  # a re-rendered form: a boosted page keeps the page's own URL
            return response

        return wrapper

    return decorate


def bound_form(request: HttpRequest, form_class: type[F], posted_to: str, initial: dict[str, Any] | None = None) -> F:
    """The form as submitted when this request was posted to the view `posted_to`, else a fresh one."""
    match = request.resolver_match
    if request.method == "POST" and match is not None and match.view_name == posted_to:
        form = form_class(request.POST, initial=initial)
        form.is_valid()
        return form
    return form_class(initial=initial)


def render_page(
    request: SettingsRequest, template: str, context: dict[str, Any], *, section: str, status: int = 200
) -> HttpResponse:
    return render(request, template, {"member": request.member, "section": section, **context}, status=status)


def done(request: HttpRequest, message: str, to: str, *args: Any) -> HttpResponse:
    messages.success(request, message)
    return redirect(reverse(to, args=args), permanent=False)


def invalid(request: SettingsRequest, page_name: str, *args: Any) -> HttpResponse:
    return PAGES[page_name](request, *args, status=422)
