"""Background work of the contacts app (the Django Tasks API)."""

import logging

from django.utils import timezone
from django_tasks import task

from contacts.csv_io import run_import
from contacts.models import ImportJob

logger = logging.getLogger(__name__)


@task()
def import_contacts(job_id: int) -> None:
    """Run a CSV import; whatever goes wrong, the job ends done or failed with the reason, never stuck."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).first()
    if job is None:
        return  # gone, or already run by another worker
    try:
        run_import(job)
    except Exception as error:
        logger.exception("import %s failed", job.public_id)
        job.refresh_from_db()
        reason = f"The import stopped after {job.processed_rows} rows: {error.__class__.__name__}: {error}"[:500]
        job.errors = [*job.errors[:999], {"row": None, "column": "", "message": reason}]
        job.status = ImportJob.Status.FAILED
        job.finished_at = timezone.now()
        job.save(update_fields=["errors", "status", "finished_at"])
    finally:
        _forget_file(job_id)


def _forget_file(job_id: int) -> None:
    """The uploaded CSV holds personal data: once imported, only the report is kept."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is not None and job.file:
        job.file.delete(save=True)
