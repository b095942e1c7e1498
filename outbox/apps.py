from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Pending side effects"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the Celery signal handlers
