"""Quiz items point at framework competencies (issue 20); a faulty item can be retired.

Each item's free-text competency becomes a reference (texts mapped by competencies.legacy). The quiz's
`revisit_lessons` ({competency text: [lesson slugs]}) is replaced by the lessons' own competencies: each
lesson it named is mapped to that competency (and its latest revision too, so the editor shows it), then the
field goes."""

import django.db.models.deletion
from django.db import migrations, models

from competencies.legacy import competency_for_text


def texts_to_competencies(apps, schema_editor):
    Competency = apps.get_model("competencies", "Competency")
    Question = apps.get_model("assessments", "Question")
    Quiz = apps.get_model("assessments", "Quiz")
    LessonPage = apps.get_model("curricula", "LessonPage")
    Revision = apps.get_model("wagtailcore", "Revision")
    cache = {}
    for question in Question.objects.exclude(competency_text="").only("pk", "competency_text"):
        competency = competency_for_text(Competency, question.competency_text, cache)
        Question.objects.filter(pk=question.pk).update(competency=competency)
    Through = LessonPage.competencies.through
    wanted = set()
    for quiz in Quiz.objects.exclude(curriculum=None).select_related("curriculum"):
        curriculum = quiz.curriculum
        lessons = {
            lesson.slug: lesson.pk
            for lesson in LessonPage.objects.filter(path__startswith=curriculum.path, depth__gt=curriculum.depth)
        }
        for text, slugs in (quiz.revisit_lessons or {}).items():
            competency = competency_for_text(Competency, str(text), cache)
            for slug in slugs or []:
                if competency is not None and slug in lessons:
                    wanted.add((lessons[slug], competency.pk))
    existing = set(Through.objects.values_list("lessonpage_id", "competency_id"))
    Through.objects.bulk_create(
        Through(lessonpage_id=lesson_id, competency_id=competency_id) for lesson_id, competency_id in wanted - existing
    )
    by_lesson = {}
    for lesson_id, competency_id in Through.objects.values_list("lessonpage_id", "competency_id"):
        by_lesson.setdefault(lesson_id, []).append(competency_id)
    for lesson in LessonPage.objects.filter(pk__in=by_lesson).exclude(latest_revision=None):
        revision = Revision.objects.filter(pk=lesson.latest_revision_id).first()
        if revision is not None and isinstance(revision.content, dict):
            revision.content["competencies"] = sorted(by_lesson[lesson.pk])
            revision.save(update_fields=["content"])


def competencies_to_texts(apps, schema_editor):
    Question = apps.get_model("assessments", "Question")
    for question in Question.objects.exclude(competency=None).select_related("competency"):
        Question.objects.filter(pk=question.pk).update(competency_text=question.competency.description[:300])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0006_multiple_select_name"),
        ("competencies", "0001_initial"),
        ("curricula", "0003_competency_framework"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RenameField(model_name="question", old_name="competency", new_name="competency_text"),
        migrations.AddField(
            model_name="question",
            name="competency",
            field=models.ForeignKey(
                blank=True,
                help_text="The framework competency this item assesses.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="questions",
                to="competencies.competency",
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="retired",
            field=models.BooleanField(
                default=False,
                help_text="A faulty or outdated item: never drawn again, and its past answers no longer count as "
                "evidence of the competency.",
            ),
        ),
        migrations.RunPython(texts_to_competencies, competencies_to_texts),
        migrations.RemoveField(model_name="question", name="competency_text"),
        migrations.RemoveField(model_name="quiz", name="revisit_lessons"),
    ]
