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
    """Run an import; whatever goes wrong, the job ends done or failed with the reason, never stuck."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING
    )
    if not claimed:
        return  # gone, or already run by another worker
    job = ImportJob.objects.get(pk=job_id)
    try:
        imports.run(job)
    except Exception as error:
        logger.exception("knowledge import %s failed", job.public_id)
        job.refresh_from_db()
        reason = gettext("The import stopped after %(done)d of %(total)d entries, and nothing was saved: %(error)s") % {
            "done": job.processed,
            "total": job.total,
            "error": f"{error.__class__.__name__}: {error}",
        }
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, errors=[*job.errors, reason[:500]], finished_at=timezone.now()
        )
    finally:
        job.file.delete(save=False)  # the entries hold what it said
        ImportJob.objects.filter(pk=job_id).update(file="")
