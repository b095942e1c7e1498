"""Wagtail's content locale for English is "en" (issue 24 set LANGUAGE_CODE from "en-us" to "en"): a site
created before has its one locale as "en-us"; rename it, so Locale.get_default() finds it."""

from django.db import migrations


def rename_english_locale(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    if not Locale.objects.filter(language_code="en").exists():
        Locale.objects.filter(language_code__in=["en-us", "en-US"]).update(language_code="en")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("wagtailcore", "0054_initial_locale"),
    ]

    operations = [migrations.RunPython(rename_english_locale, migrations.RunPython.noop)]
