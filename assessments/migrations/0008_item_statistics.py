import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0007_competency_framework"),
    ]

    operations = [
        migrations.CreateModel(
            name="QuizStatistics",
            fields=[
                (
                    "quiz",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="assessments.quiz",
                    ),
                ),
                (
                    "attempts",
                    models.PositiveIntegerField(default=0, help_text="Counted attempts with at least one response."),
                ),
                ("items", models.JSONField(default=dict)),
                (
                    "version",
                    models.PositiveBigIntegerField(default=0, help_text="Raised by every fold: readers check it."),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name_plural": "quiz statistics",
            },
        ),
        migrations.CreateModel(
            name="CountedAttempt",
            fields=[
                (
                    "attempt",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="assessments.attempt",
                    ),
                ),
                (
                    "quiz",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="assessments.quiz",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["quiz", "attempt"], name="counted_attempt_quiz_idx")],
            },
        ),
    ]
