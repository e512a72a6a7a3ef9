from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"

    def ready(self) -> None:
        from jobs import wakeup  # noqa: F401 - connects the wake-up to task_enqueued
