from dataclasses import dataclass


@dataclass(frozen=True)
class VisitorActed:
    """A batch of the visitor's activity on the site: what bots with proactive triggers look at."""

    name = "visitor.acted"
    workspace_id: int
    visitor_id: int
    inbox_id: int
    page_urls: tuple[str, ...]  # pages viewed, in order
    event_names: tuple[str, ...]  # Parley.track names
    new_visit: bool  # the first batch after 30 idle minutes
