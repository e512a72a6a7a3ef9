from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations: email and other channels"

    def ready(self) -> None:
        from integrations import effects  # noqa: F401 - registers the event handlers
