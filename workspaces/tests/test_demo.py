"""The demo workspace `make demo` serves."""

from conversations.models import CannedResponse, Tag
from workspaces.demo import DEMO_TEAMMATE_EMAIL, seed_demo
from workspaces.models import Member


def test_the_demo_has_a_team_to_try_every_inbox_feature_with_and_seeding_again_changes_nothing(db):
    first = seed_demo(origins=["http://127.0.0.1:8000"])
    again = seed_demo(origins=["http://127.0.0.1:8000", "http://localhost:8000"])

    assert again.workspace == first.workspace
    assert again.inbox.allowed_origins == ["http://127.0.0.1:8000", "http://localhost:8000"]
    members = {m.user.email: m.role for m in Member.objects.select_related("user")}
    assert members == {"operator@demo.parley.local": "admin", DEMO_TEAMMATE_EMAIL: "agent"}
    assert sorted(first.workspace.teams.values_list("name", flat=True)) == ["Sales", "Support"]
    assert Tag.objects.count() == 3 and CannedResponse.objects.count() == 3
    assert first.inbox.members.count() == 2
