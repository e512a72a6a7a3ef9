from django.apps import AppConfig


class BotsConfig(AppConfig):
    name = "bots"
    verbose_name = "Bots: flows, runs, hand-off"

    def ready(self) -> None:
        from bots import effects  # noqa: F401 - registers the event handlers
