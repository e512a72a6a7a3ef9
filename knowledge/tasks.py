"""Background work of the knowledge base (the Django Tasks API)."""

import logging

from django.utils import timezone
from django.utils.translation import gettext
from django_tasks import task

from knowledge import imports, provider_vectors
from knowledge.models import ImportJob

logger = logging.getLogger(__name__)


@task()
def encode_provider_vectors(workspace_id: int) -> None:
    """The phrasings the workspace's embeddings provider has not encoded yet, in batches."""
    provider_vectors.encode_missing(workspace_id)


@task()
def import_entries(job_id: int) -> None:
    """One step of an import, then the next as a task of its own; whatever goes wrong, the job ends done or
    failed with the reason, never stuck (a step whose worker stopped runs again: jobs.recovery)."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in imports.UNDER_WAY:
        return  # gone, or ended
    pending = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING)
    if job.status == ImportJob.Status.PENDING and not pending.update(status=ImportJob.Status.RUNNING):
        return  # another worker has just started it
    try:
        more = imports.run_step(job)
    except Exception as error:
        logger.exception("knowledge import %s failed", job.public_id)
        reason = gettext("The import stopped after %(done)d of %(total)d entries, and nothing was saved: %(error)s") % {
            "done": job.processed,
            "total": job.total,
            "error": f"{error.__class__.__name__}: {error}",
        }
        ImportJob.objects.filter(pk=job_id, status__in=imports.UNDER_WAY).update(
            status=ImportJob.Status.FAILED, errors=[*job.errors, reason[:500]], finished_at=timezone.now()
        )
        imports.clean_up(job)
        return
    if more:
        import_entries.enqueue(job_id)
