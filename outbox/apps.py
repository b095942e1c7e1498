from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Pending side effects"

    def ready(self) -> None:
        # why: importing the module connects the Celery signal handlers, and ready() is when apps may do that
        from . import signals  # noqa: F401
