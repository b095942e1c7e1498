from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_quiz_review_policy_and_attempt_rules"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="multiplechoicequestion",
            options={"verbose_name": "multiple select question"},
        ),
    ]
