from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # why: the patches import Wagtail admin modules, which need the app registry ready.
        from config import wagtail_patches

        wagtail_patches.apply()

        # why: receivers import Wagtail models, which need the app registry ready.
        from . import receivers

        receivers.connect()
