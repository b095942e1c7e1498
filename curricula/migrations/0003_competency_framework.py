"""Curricula and lessons point at framework competencies (issue 20). The curriculum's free-text list becomes
references (texts mapped by competencies.legacy, which creates a row for a text the framework lacks), and
every revision of a curriculum is rewritten the same way so a draft still opens in the editor."""

import modelcluster.fields
from django.db import migrations

from competencies.legacy import competency_for_text


def texts_to_competencies(apps, schema_editor):
    Competency = apps.get_model("competencies", "Competency")
    CurriculumPage = apps.get_model("curricula", "CurriculumPage")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    Through = CurriculumPage.competencies.through
    cache = {}
    rows = []
    for page in CurriculumPage.objects.all():
        seen = set()
        for text in page.competency_texts or []:
            competency = competency_for_text(Competency, str(text), cache)
            if competency is not None and competency.pk not in seen:
                seen.add(competency.pk)
                rows.append(Through(curriculumpage_id=page.pk, competency_id=competency.pk))
    Through.objects.bulk_create(rows)
    content_type = ContentType.objects.filter(app_label="curricula", model="curriculumpage").first()
    if content_type is None:
        return
    for revision in Revision.objects.filter(content_type=content_type):
        texts = (revision.content or {}).get("competencies")
        if not isinstance(texts, list) or all(isinstance(t, int) for t in texts):
            continue
        ids = [c.pk for c in (competency_for_text(Competency, str(t), cache) for t in texts) if c is not None]
        revision.content["competencies"] = list(dict.fromkeys(ids))
        revision.save(update_fields=["content"])


def competencies_to_texts(apps, schema_editor):
    CurriculumPage = apps.get_model("curricula", "CurriculumPage")
    for page in CurriculumPage.objects.all():
        page.competency_texts = [c.description for c in page.competencies.all()]
        page.save(update_fields=["competency_texts"])


class Migration(migrations.Migration):
    dependencies = [
        ("curricula", "0002_protect_learning_history"),
        ("competencies", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RenameField(model_name="curriculumpage", old_name="competencies", new_name="competency_texts"),
        migrations.AddField(
            model_name="curriculumpage",
            name="competencies",
            field=modelcluster.fields.ParentalManyToManyField(
                blank=True,
                help_text="What the learner can do afterwards: the framework competencies its quiz assesses.",
                related_name="curricula",
                to="competencies.competency",
            ),
        ),
        migrations.AddField(
            model_name="lessonpage",
            name="competencies",
            field=modelcluster.fields.ParentalManyToManyField(
                blank=True,
                help_text="The framework competencies this lesson teaches (learners who miss one are sent here).",
                related_name="lessons",
                to="competencies.competency",
            ),
        ),
        migrations.RunPython(texts_to_competencies, competencies_to_texts),
        migrations.RemoveField(model_name="curriculumpage", name="competency_texts"),
    ]
