"""The demo workspace `parley demo` serves: one shop, one inbox, two operators, teams, tags and reply templates."""

from dataclasses import dataclass

from django.db import transaction

from accounts import actions as account_actions
from accounts.models import User
from conversations import actions as conversation_actions
from integrations.actions import create_email_inbox
from integrations.models import EmailMailbox
from widget.models import WelcomeRule, WidgetSettings
from workspaces import actions
from workspaces.models import Inbox, Member, Workspace

DEMO_WORKSPACE = "Demo Shop"
DEMO_EMAIL = "operator@demo.parley.local"
DEMO_PASSWORD = "parley-demo"  # noqa: S105 - the published demo login
DEMO_TEAMMATE_EMAIL = "sam@demo.parley.local"  # an agent, to try assignment and transfer in a second browser
DEMO_MAILBOX = "support@demo.parley.local"  # an email inbox: its mail comes in through `parley smtpd`
DEMO_TAGS = (("VIP", "#d97706"), ("Wholesale", "#2563eb"), ("Refund", "#dc2626"))
DEMO_TEMPLATES = (
    ("hello", "Hi {{contact.name}}! {{operator.name}} from {{workspace.name}} here. How can I help?"),
    ("shipping", "We ship within 2 working days; delivery takes 3 to 5 days."),
    ("thanks", "Thank you for your order! Anything else I can help with?"),
)


DEMO_WIDGET_TEXTS = {
    "en": {
        "greeting_title": "Hi there 👋",
        "greeting_tagline": "Ask us about sizes, delivery or your order.",
        "offline_message": "We're offline now. Leave your question and email: we'll answer first thing.",
    },
    "ru": {
        "greeting_title": "Здравствуйте 👋",
        "greeting_tagline": "Спросите о размерах, доставке или вашем заказе.",
        "offline_message": "Сейчас мы не в сети. Оставьте вопрос и email — ответим в первую очередь.",
    },
}
DEMO_PRODUCT_WELCOME = {
    "en": "Questions about this product? Ask away: we know it well.",
    "ru": "Есть вопросы об этом товаре? Спрашивайте, мы его хорошо знаем.",
}


@dataclass(frozen=True)
class Demo:
    workspace: Workspace
    inbox: Inbox
    operator: User


@transaction.atomic
def seed_demo(*, origins: list[str]) -> Demo:
    """Create the demo once; later runs only allow the given site origins too."""
    operator = User.objects.filter(email=DEMO_EMAIL).first() or account_actions.create_user(
        email=DEMO_EMAIL, name="Alex from Demo Shop", password=DEMO_PASSWORD
    )
    workspace = Workspace.objects.filter(name=DEMO_WORKSPACE, members__user=operator).first()
    if workspace is None:
        workspace = actions.create_workspace(name=DEMO_WORKSPACE, owner=operator, owner_display_name="Alex")
    inbox = workspace.inboxes.filter(channel=Inbox.Channel.WEB).order_by("created_at").first() or actions.create_inbox(
        workspace, name="Demo Shop website", allowed_origins=[]
    )
    missing = [o for o in origins if o not in inbox.allowed_origins]
    if missing:
        inbox.allowed_origins = [*inbox.allowed_origins, *missing]
        inbox.save(update_fields=["allowed_origins"])
    if not workspace.teams.exists():
        _seed_team(workspace.members.get(user=operator))
    if not WidgetSettings.objects.filter(inbox=inbox).exists():
        _seed_widget(inbox)
    if not EmailMailbox.objects.filter(address=DEMO_MAILBOX).exists():
        create_email_inbox(workspace.members.get(user=operator), name="Demo Shop email", address=DEMO_MAILBOX)
    return Demo(workspace, inbox, operator)


def _seed_widget(inbox: Inbox) -> None:
    """A greeting in English and Russian, and a welcome message of its own on product pages."""
    WidgetSettings.objects.create(inbox=inbox, texts=DEMO_WIDGET_TEXTS)
    WelcomeRule.objects.create(
        inbox=inbox,
        position=1,
        name="Product pages",
        url_match=WelcomeRule.UrlMatch.CONTAINS,
        url_value="/demo/products/",
        messages=DEMO_PRODUCT_WELCOME,
    )


def _seed_team(admin: Member) -> None:
    """A teammate, teams, tags and reply templates, so every inbox feature has something to show."""
    teammate = account_actions.create_user(email=DEMO_TEAMMATE_EMAIL, name="Sam", password=DEMO_PASSWORD)
    sam = actions.add_member(admin.workspace, teammate, role=Member.Role.AGENT)
    sales = actions.create_team(admin, name="Sales")
    actions.create_team(admin, name="Support")
    actions.set_team_members(admin, sales, member_ids=[admin.public_id.hex, sam.public_id.hex])
    for name, colour in DEMO_TAGS:
        conversation_actions.create_tag(admin, name=name, colour=colour)
    for shortcut, text in DEMO_TEMPLATES:
        conversation_actions.save_canned_response(admin, shortcut=shortcut, text=text)
