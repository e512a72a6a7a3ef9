from django import forms
from django.utils.translation import gettext_lazy as _

from knowledge.models import Entry
from widget.languages import LANGUAGES

LANGUAGE_CHOICES = list(LANGUAGES.items())


class EntryForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    question = forms.CharField(label=_("Question"), max_length=500)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}), help_text=_("Markdown."))
    phrasings = forms.CharField(
        label=_("Other ways to ask"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: the more, the better it is found."),
    )
    category = forms.CharField(label=_("Category"), max_length=120, required=False)
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
    kind = forms.ChoiceField(label=_("Markdown entries are"), choices=Entry.Kind.choices)


class NewEntryFromQuestionForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))
