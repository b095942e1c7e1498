from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Competency",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "code",
                    models.CharField(
                        help_text="Framework code, e.g. MI-2. Cited on certificates: never reuse one.",
                        max_length=20,
                        unique=True,
                    ),
                ),
                ("short_name", models.CharField(help_text="A few words, shown in tables and headings.", max_length=80)),
                (
                    "description",
                    models.TextField(help_text="What a case manager who has it can do, in one or two sentences."),
                ),
                (
                    "domain",
                    models.CharField(
                        choices=[
                            ("service-categories", "Ryan White service categories (MCM and NMCM)"),
                            ("process", "The case-management process"),
                            ("motivational-interviewing", "Motivational interviewing"),
                            ("clinical-supervision", "Clinical case management and supervision"),
                            ("substance-use", "Substance use and harm reduction"),
                            ("linkage-retention", "Linkage, retention and adherence"),
                        ],
                        max_length=40,
                    ),
                ),
                (
                    "position",
                    models.PositiveIntegerField(default=0, help_text="Order in the framework (lower first)."),
                ),
                (
                    "sources",
                    models.TextField(blank=True, help_text="Where the competency comes from (citations)."),
                ),
                ("source_hash", models.CharField(blank=True, editable=False, max_length=64)),
            ],
            options={
                "verbose_name_plural": "competencies",
                "ordering": ["position", "code"],
            },
        ),
    ]
