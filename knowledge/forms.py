from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from knowledge.actions import CATEGORY_MAX, QUESTION_MAX
from knowledge.models import Entry
from knowledge.queries import EntryFilters
from widget.languages import LANGUAGES

LANGUAGE_CHOICES = list(LANGUAGES.items())
KIND_CHOICES = [(Entry.Kind.FAQ.value, _("FAQ entry")), (Entry.Kind.ARTICLE.value, _("Article"))]


class EntryForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=KIND_CHOICES, initial=Entry.Kind.FAQ.value, widget=forms.RadioSelect
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    question = forms.CharField(
        label=_("Question or title"),
        max_length=QUESTION_MAX,
        help_text=_("An FAQ entry's question, or an article's title: the first way visitors ask for it."),
    )
    answer = forms.CharField(
        label=_("Answer or body"), widget=forms.Textarea(attrs={"rows": 6}), help_text=_("Markdown.")
    )
    phrasings = forms.CharField(
        label=_("Other ways to ask"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: the more, the better it is found."),
    )
    category = forms.CharField(label=_("Category"), max_length=CATEGORY_MAX, required=False)
    public = forms.BooleanField(label=_("Visitors may see it"), required=False, initial=True)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV with the columns language, question, answer and optionally phrasings, key, category, kind, public;"
            " or Markdown, each “## ” heading a question and the text under it its answer."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.md,.markdown,.txt,text/csv,text/markdown"}),
    )
    language = forms.ChoiceField(label=_("Language of a Markdown file"), choices=LANGUAGE_CHOICES)
    kind = forms.ChoiceField(label=_("Markdown entries are"), choices=KIND_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_import_%s")  # the new entry form shares the page
        super().__init__(*args, **kwargs)


class NewEntryFromQuestionForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))


class EntryFiltersForm(forms.Form):
    """The entries list's search and filters (GET); a value that is not offered is ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=QUESTION_MAX)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *KIND_CHOICES])
    category = forms.ChoiceField(label=_("Category"), required=False)
    visibility = forms.ChoiceField(
        label=_("Visible to"),
        required=False,
        choices=[("", _("Anyone")), ("public", _("Visitors")), ("internal", _("Operators only"))],
    )
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, data: Mapping[str, Any], *, categories: list[str], languages: list[str]) -> None:
        super().__init__(data, auto_id="id_filter_%s")
        self.fields["category"].choices = [("", _("All categories")), *((c, c) for c in categories)]  # type: ignore[attr-defined]
        self.fields["language"].choices = [("", _("All languages")), *((c, LANGUAGES[c]) for c in languages)]  # type: ignore[attr-defined]

    def filters(self) -> EntryFilters:
        self.is_valid()
        data = self.cleaned_data
        return EntryFilters(
            query=" ".join(data.get("q", "").split()),
            kind=data.get("kind", ""),
            category=data.get("category", ""),
            visibility=data.get("visibility", ""),
            language=data.get("language", ""),
        )


class EntrySettingsForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES)
    category = forms.CharField(label=_("Category"), max_length=CATEGORY_MAX, required=False)
    public = forms.BooleanField(label=_("Visitors may see it"), required=False)


class VariantForm(forms.Form):
    """The entry in one of its languages (prefixed with the language: one form per language on the page)."""

    question = forms.CharField(label=_("Question"), max_length=QUESTION_MAX)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 6}), help_text=_("Markdown."))

    def __init__(self, *args: Any, article: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if article:
            self.fields["question"].label = _("Title")
            self.fields["answer"].label = _("Body")


class NewVariantForm(VariantForm):
    language = forms.ChoiceField(label=_("Language"))
    phrasings = forms.CharField(
        label=_("Other ways to ask"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    field_order = ["language", "question", "answer", "phrasings"]

    def __init__(self, *args: Any, taken: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [(c, n) for c, n in LANGUAGE_CHOICES if c not in taken]  # type: ignore[attr-defined]


class PhrasingForm(forms.Form):
    language = forms.ChoiceField(choices=LANGUAGE_CHOICES, widget=forms.HiddenInput)
    text = forms.CharField(label=_("Another way to ask"), max_length=QUESTION_MAX)
