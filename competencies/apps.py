from django.apps import AppConfig


class CompetenciesConfig(AppConfig):
    name = "competencies"
    verbose_name = "Competency framework"
    default_auto_field = "django.db.models.BigAutoField"
