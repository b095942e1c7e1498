from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # why: receivers import models, which exist only once the app registry is ready.
        from . import receivers  # noqa: F401
