"""Settings → Knowledge → Results: what the knowledge base brought over the last 7, 30 or 90 days."""

from datetime import timedelta

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from bots.models import BotRun
from knowledge.reports import knowledge_report
from workspaces.settings_pages import SettingsRequest, render_page, settings_view

PERIODS = (7, 30, 90)  # days
DEFAULT_PERIOD = 30


@require_GET
@settings_view("knowledge")
def results(request: SettingsRequest) -> HttpResponse:
    """Admins and agents alike: these are the team's numbers. An unknown period reads as the default."""
    days = request.GET.get("days", "")
    period = int(days) if days.isdigit() and int(days) in PERIODS else DEFAULT_PERIOD
    report = knowledge_report(request.member.workspace, since=timezone.now() - timedelta(days=period))
    reasons = dict(BotRun.Reason.choices)
    context = {
        "report": report,
        "period": period,
        "periods": PERIODS,
        "handed_off": [(reason, reasons.get(reason, reason), runs) for reason, runs in report.handed_off.items()],
    }
    return render_page(request, "knowledge/results.html", context, section="knowledge")
