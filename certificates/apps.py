from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The deployment check registers itself on import.
        # why: receivers import models, which exist only once the app registry is ready.
        from . import checks, receivers  # noqa: F401
