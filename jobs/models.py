from django.db import models


class WorkerBeat(models.Model):
    """A process running the job worker, and when it last said it is alive (jobs.recovery)."""

    worker_id = models.CharField(max_length=200, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.worker_id
