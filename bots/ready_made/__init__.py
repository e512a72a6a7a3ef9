"""Ready-made bots, installed in one click: published, switched on, with the teams and attributes they use.

Each flow is a JSON file here, an ordinary flow (bots.flow) its installer can then edit like any other.
In it, "$team:Sales" stands for that team of the workspace (created if missing) and "$public_url" for
PUBLIC_URL (the demo shop's order service lives there). "close_when_silent": true closes a conversation whose
visitor stops answering instead of handing it to people (an answering bot's visitors leave once answered).
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from bots import actions
from bots.models import Bot
from contacts.models import AttributeDefinition
from core.errors import NotFound
from workspaces.models import Member, Team

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ReadyMade:
    name: Promise
    description: Promise


READY_MADE = {
    "lead_qualification": ReadyMade(
        gettext_lazy("Lead qualification"),
        gettext_lazy(
            "Asks name, phone, email, company and size (skipping what is known), then hands the lead to Sales "
            "with a follow-up task."
        ),
    ),
    "faq_answers": ReadyMade(
        gettext_lazy("Answers from the knowledge base"),
        gettext_lazy(
            "Answers visitors' questions from Settings → Knowledge in their language, asks whether it helped, "
            "and brings in a person after two questions it could not answer (asking for an email when nobody is in)."
        ),
    ),
    "faq_menu": ReadyMade(
        gettext_lazy("FAQ menu"),
        gettext_lazy("Answers delivery, returns and payment questions with buttons; a person is one tap away."),
    ),
    "abandoned_cart": ReadyMade(
        gettext_lazy("Abandoned cart reminder"),
        # xgettext:no-python-format
        gettext_lazy("When the site reports cart_abandoned, offers a 5% coupon and answers questions about the cart."),
    ),
    "promo_giveaway": ReadyMade(
        gettext_lazy("Promo code giveaway"),
        # xgettext:no-python-format
        gettext_lazy("On product pages, offers a 10% code for the visitor's email."),
    ),
    "job_prescreening": ReadyMade(
        gettext_lazy("Job candidate pre-screening"),
        gettext_lazy(
            "A scored questionnaire: strong candidates go to HR with an interview task, others get a kind no."
        ),
    ),
    "order_status": ReadyMade(
        gettext_lazy("Order status"),
        gettext_lazy("Looks the order up in the shop's order service (an HTTP block) and tells its status."),
    ),
}


def definition(key: str) -> dict[str, object]:
    if key not in READY_MADE:
        raise NotFound(gettext("There is no such ready-made bot."))
    loaded: dict[str, object] = json.loads((HERE / f"{key}.json").read_text())
    return loaded


def _placed(member: Member, text: str) -> str:
    """The flow's JSON with its placeholders filled for this workspace."""

    def team(match: re.Match[str]) -> str:
        found, _ = Team.objects.get_or_create(workspace=member.workspace, name=match.group(1))
        return found.public_id.hex

    return re.sub(r"\$team:([^\"]+)", team, text).replace("$public_url", settings.PUBLIC_URL)


@transaction.atomic
def install(member: Member, key: str) -> Bot:
    """The ready-made bot, published and switched on."""
    found = definition(key)
    for attribute in found["attributes"]:  # type: ignore[attr-defined]
        AttributeDefinition.objects.get_or_create(
            workspace=member.workspace,
            key=attribute["key"],
            defaults={"label": attribute["label"], "type": AttributeDefinition.Type.TEXT},
        )
    flow = json.loads(_placed(member, json.dumps(found["flow"])))
    name = str(READY_MADE[key].name)
    bot = actions.create_bot(member, name=name, persona_name=str(found["persona"]), flow=flow)
    if found.get("close_when_silent"):
        bot.close_when_silent = True
        bot.save(update_fields=["close_when_silent"])
    trigger, config = str(found["trigger"]), dict(found["trigger_config"])  # type: ignore[call-overload]
    actions.set_trigger(member, bot, trigger=trigger, config=config, inboxes=[])
    actions.publish(member, bot)
    return actions.set_enabled(member, bot, enabled=True)
