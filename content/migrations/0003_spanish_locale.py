"""The Spanish content locale (issue 24): pages translated into Spanish live in its tree."""

from django.db import migrations


def create_spanish_locale(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    Locale.objects.get_or_create(language_code="es")


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0002_standardpage_menu_title"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_spanish_locale, migrations.RunPython.noop)]
