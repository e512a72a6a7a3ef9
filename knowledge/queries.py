"""Reading the knowledge base: entries for the settings page, and the learning page's groups of questions it
could not answer well."""

from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Q

from core.ids import get_by_public_id
from knowledge.models import Entry, Question
from workspaces.models import Member, Workspace

SAME_QUESTION = 0.93  # cosine of two questions asking the same thing (this model's scale is compressed)
LEARNING_LIMIT = 500  # newest questions looked at
ENTRIES_SHOWN = 200


def list_entries(member: Member) -> list[Entry]:
    """The newest entries, each with its variants and how many phrasings it has."""
    return list(
        Entry.objects.filter(workspace_id=member.workspace_id)
        .prefetch_related("variants")
        .annotate(phrasing_count=Count("phrasings"))
        .order_by("-updated_at", "-pk")[:ENTRIES_SHOWN]
    )


def get_entry(member: Member, entry_id: str) -> Entry:
    return get_by_public_id(Entry.objects.filter(workspace_id=member.workspace_id), entry_id, "Entry")


def get_question(member: Member, question_id: str) -> Question:
    return get_by_public_id(Question.objects.filter(workspace_id=member.workspace_id), question_id, "Question")


@dataclass(frozen=True)
class QuestionGroup:
    questions: list[Question]  # newest first; the first stands for the group

    @property
    def lead(self) -> Question:
        return self.questions[0]


def questions_to_learn(workspace: Workspace) -> list[QuestionGroup]:
    """Questions answered badly (suggestions only, nothing, or an answer the visitor found unhelpful) and not
    learned yet, similar ones together, the largest groups first."""
    rows = list(
        Question.objects.filter(workspace=workspace, learned_at=None)
        .filter(~Q(outcome=Question.Outcome.ANSWERED) | Q(helpful=False))
        .select_related("best")
        .order_by("-created_at")[:LEARNING_LIMIT]
    )
    groups: list[tuple[np.ndarray | None, list[Question]]] = []
    for question in rows:
        vector = np.frombuffer(bytes(question.vector), dtype=np.float32) if question.vector else None
        for lead, members in groups:
            if vector is not None and lead is not None and float(lead @ vector) >= SAME_QUESTION:
                members.append(question)
                break
        else:
            groups.append((vector, [question]))
    return sorted((QuestionGroup(members) for _, members in groups), key=lambda g: -len(g.questions))
