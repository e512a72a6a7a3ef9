"""The widget's help: a visitor searches the workspace's public knowledge base and reads an answer before, or
instead of, starting a chat (docs/widget-api.md, "Help"). Mounted on the widget API with its visitor token."""

from typing import TYPE_CHECKING

from ninja import Query, Router

from core.ratelimit import limit
from widget import help_center
from widget.languages import LANGUAGES
from widget.schemas import ErrorOut, HelpEntryOut, HelpEntryQuery, HelpQuery, HelpResultOut, HelpResultsOut

if TYPE_CHECKING:  # widget.api mounts this router
    from widget.api import VisitorRequest

router = Router(tags=["help"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
# Each search runs the language model (~20 ms of a core): enough for a visitor typing, not for a script.
SEARCHES_PER_MINUTE = 30
SEARCHES_PER_MINUTE_PER_ADDRESS = 300  # many visitors may share an office's or a mobile network's address


@router.get("", response={200: HelpResultsOut, **ERRORS}, summary="Search the knowledge base")
def search_help(request: "VisitorRequest", query: Query[HelpQuery]) -> HelpResultsOut:
    if query.q.strip():
        too_many = "Too many searches: wait a minute and try again."
        limit(f"help:visitor:{request.auth.pk}", per_minute=SEARCHES_PER_MINUTE, message=too_many)
        address = request.META.get("REMOTE_ADDR", "")
        limit(f"help:address:{address}", per_minute=SEARCHES_PER_MINUTE_PER_ADDRESS, message=too_many)
    found = help_center.search(request.auth, query.q, submitted=query.submitted)
    return HelpResultsOut(
        results=[
            HelpResultOut(
                id=f.entry.public_id.hex,
                kind=f.entry.kind,  # type: ignore[arg-type]
                title=f.variant.question,
                excerpt=help_center.excerpt(f.variant.answer),
                language=f.variant.language,
            )
            for f in found
        ]
    )


@router.get("/{entry_id}", response={200: HelpEntryOut, **ERRORS}, summary="An entry of the knowledge base")
def read_help(request: "VisitorRequest", entry_id: str, query: Query[HelpEntryQuery]) -> HelpEntryOut:
    found = help_center.get_entry(request.auth, entry_id, query.language, searched=query.q)
    return HelpEntryOut(
        id=found.entry.public_id.hex,
        kind=found.entry.kind,  # type: ignore[arg-type]
        title=found.variant.question,
        html=help_center.article_html(found.variant.answer),
        language=found.variant.language,
        language_name=LANGUAGES.get(found.variant.language, found.variant.language),
        in_other_language=found.in_other_language,
    )
