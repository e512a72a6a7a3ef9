"""Reading the knowledge base: the learning page's groups of questions it could not answer well."""

from dataclasses import dataclass

import numpy as np
from django.db.models import Q

from knowledge.models import Question
from workspaces.models import Workspace

SAME_QUESTION = 0.93  # cosine of two questions asking the same thing (this model's scale is compressed)
LEARNING_LIMIT = 500  # newest questions looked at


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
