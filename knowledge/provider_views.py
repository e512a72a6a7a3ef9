"""Settings → Knowledge → Providers: the optional embeddings and chat-completions services, for admins."""

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError, InvalidInput, NotFound
from knowledge import provider_vectors, providers
from knowledge.models import Providers
from workspaces.settings_pages import SettingsRequest, done, invalid, page, render_page, settings_view

SECTION = "knowledge"
KINDS = ("embeddings", "generation")


class ProvidersForm(forms.Form):
    embeddings_url = forms.CharField(
        label=gettext_lazy("Embeddings base URL"),
        required=False,
        help_text=gettext_lazy("An OpenAI-compatible API, like https://api.example.com/v1. Empty: answer offline."),
    )
    embeddings_model = forms.CharField(label=gettext_lazy("Embeddings model"), required=False)
    embeddings_key = forms.CharField(
        label=gettext_lazy("Embeddings API key"),
        required=False,
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "off"}),  # as typed, never as stored
    )
    embeddings_key_clear = forms.BooleanField(label=gettext_lazy("Remove the stored key"), required=False)
    generation_enabled = forms.BooleanField(
        label=gettext_lazy("Word answers with a language model"),
        required=False,
        help_text=gettext_lazy("It answers from the entries found only, or not at all. Off: the entry's own answer."),
    )
    generation_url = forms.CharField(
        label=gettext_lazy("Chat completions base URL"),
        required=False,
        help_text=gettext_lazy("An OpenAI-compatible API, like https://api.example.com/v1."),
    )
    generation_model = forms.CharField(label=gettext_lazy("Chat model"), required=False)
    generation_key = forms.CharField(
        label=gettext_lazy("Chat API key"),
        required=False,
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "off"}),  # as typed, never as stored
    )
    generation_key_clear = forms.BooleanField(label=gettext_lazy("Remove the stored key"), required=False)

    def __init__(self, *args: Any, stored: Providers, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in KINDS:
            is_set = bool(getattr(stored, f"{kind}_key"))
            self.fields[f"{kind}_key"].help_text = (
                _("A key is set. Leave this empty to keep it.") if is_set else _("No key is set.")
            )
            if not is_set:
                del self.fields[f"{kind}_key_clear"]

    def clean_embeddings_url(self) -> str:
        return _checked(providers.clean_url, self.cleaned_data["embeddings_url"])

    def clean_generation_url(self) -> str:
        return _checked(providers.clean_url, self.cleaned_data["generation_url"])

    def clean_embeddings_model(self) -> str:
        return str(_checked(providers.clean_model, self.cleaned_data["embeddings_model"]))

    def clean_generation_model(self) -> str:
        return str(_checked(providers.clean_model, self.cleaned_data["generation_model"]))

    def clean_embeddings_key(self) -> str:
        return str(_checked(providers.clean_key, self.cleaned_data["embeddings_key"]))

    def clean_generation_key(self) -> str:
        return str(_checked(providers.clean_key, self.cleaned_data["generation_key"]))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for kind in KINDS:
            if data.get(f"{kind}_key") and data.get(f"{kind}_key_clear"):
                self.add_error(f"{kind}_key_clear", _("Type a new key or remove the stored one, not both."))
        if not self.errors:
            for field, problem in providers.problems(self.settings()).items():
                self.add_error(field, problem)
        return data

    def settings(self) -> providers.Settings:
        data = self.cleaned_data
        return providers.Settings(
            embeddings_url=data["embeddings_url"],
            embeddings_model=data["embeddings_model"],
            embeddings_key="" if data.get("embeddings_key_clear") else data["embeddings_key"] or None,
            generation_enabled=data["generation_enabled"],
            generation_url=data["generation_url"],
            generation_model=data["generation_model"],
            generation_key="" if data.get("generation_key_clear") else data["generation_key"] or None,
        )


def _checked(clean: Any, value: str) -> str:
    """An empty field is left empty; else the providers check, its InvalidInput a field error."""
    if not value.strip():
        return ""
    try:
        return str(clean(value))
    except InvalidInput as error:
        raise forms.ValidationError(error.detail) from None


def _initial(stored: Providers) -> dict[str, Any]:
    fields = ("embeddings_url", "embeddings_model", "generation_enabled", "generation_url", "generation_model")
    return {name: getattr(stored, name) for name in fields}


@page("knowledge-providers")
def _page(
    request: SettingsRequest,
    *,
    form: ProvidersForm | None = None,
    tried: dict[str, providers.Tried] | None = None,
    error: DomainError | None = None,
    status: int = 200,
    **_kwargs: Any,
) -> HttpResponse:
    stored = providers.get_providers(request.member)
    if form is None:  # as posted when saving it failed, else as stored
        match = request.resolver_match
        posted = request.method == "POST" and match is not None and match.view_name == "knowledge-providers-save"
        form = ProvidersForm(request.POST if posted else None, stored=stored, initial=_initial(stored))
        form.is_valid()
    context = {
        "form": form,
        "stored": stored,
        "progress": provider_vectors.progress(request.member.workspace_id),
        "tried": tried or {},
        "error": error,
    }
    return render_page(request, "knowledge/providers.html", context, section=SECTION, status=status)


@require_GET
@settings_view("knowledge-providers")
def providers_page(request: SettingsRequest) -> HttpResponse:
    return _page(request)


@require_POST
@settings_view("knowledge-providers")
def save(request: SettingsRequest) -> HttpResponse:
    form = ProvidersForm(request.POST, stored=providers.get_providers(request.member))
    if not form.is_valid():
        return invalid(request, "knowledge-providers")
    saved = providers.save_providers(request.member, form.settings())
    message = _("Providers saved.")
    if provider_vectors.encoder_for(saved):
        message += " " + _("The phrasings are being encoded by the embeddings service; answers use it when all are.")
    return done(request, message, "knowledge-providers")


@require_POST
@settings_view("knowledge-providers")
def try_provider(request: SettingsRequest, kind: str) -> HttpResponse:
    """“Test connection”: one real call with the values in the form (the stored key when none is typed); nothing
    is saved."""
    if kind not in KINDS:
        raise NotFound(_("No such provider."))
    stored = providers.get_providers(request.member)
    form = ProvidersForm(request.POST, stored=stored)
    form.is_valid()
    url, model = form.cleaned_data.get(f"{kind}_url"), form.cleaned_data.get(f"{kind}_model")
    if not url or not model or f"{kind}_url" in form.errors or f"{kind}_model" in form.errors:
        problem = providers.Tried(False, _("Give the base URL and the model first."))
        return _page(request, form=form, tried={kind: problem}, status=422)
    key = form.cleaned_data.get(f"{kind}_key") or getattr(stored, f"{kind}_key")
    attempt = providers.try_embeddings if kind == "embeddings" else providers.try_generation
    return _page(request, form=form, tried={kind: attempt(request.member, url, model, key)})


@require_GET
@settings_view("knowledge-providers")
def progress(request: SettingsRequest) -> HttpResponse:
    """The encoding's progress, polled while it runs."""
    providers.get_providers(request.member)  # admins only
    context = {"progress": provider_vectors.progress(request.member.workspace_id)}
    return render(request, "knowledge/partials/provider_progress.html", context)
