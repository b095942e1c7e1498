from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from config.csvutil import neutralise_wagtail_csv_exports

        neutralise_wagtail_csv_exports()
