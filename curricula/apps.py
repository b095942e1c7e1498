from django.apps import AppConfig


class CurriculaConfig(AppConfig):
    name = "curricula"
    default_auto_field = "django.db.models.BigAutoField"
