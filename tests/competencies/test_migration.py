"""Migrations curricula/0003 and assessments/0007 (issue 20), on the real migration graph: back to free-text
competencies, rows written with the old models (a curriculum's list, an item's text, a quiz's revisit map,
a text nobody mapped), forward again: references to the framework, lessons mapped from the revisit map, the
curriculum's revision rewritten so its editor still opens."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from competencies.legacy import LEGACY
from tests.factories import drop_translated_curricula
from tests.migrating import migrate

BEFORE = [("curricula", "0002_protect_learning_history"), ("assessments", "0006_multiple_select_name")]


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.fixture
def before_the_framework():
    after = latest()
    drop_translated_curricula()
    yield migrate(BEFORE)
    migrate(after)


@pytest.mark.django_db(transaction=True)
def test_old_texts_become_framework_references(before_the_framework):
    old = before_the_framework
    CurriculumPage = old.get_model("curricula", "CurriculumPage")
    Question = old.get_model("assessments", "Question")
    Quiz = old.get_model("assessments", "Quiz")
    LessonPage = old.get_model("curricula", "LessonPage")
    Revision = old.get_model("wagtailcore", "Revision")
    mi2 = next(t for t, (code, _, _) in LEGACY.items() if code == "MI-2")
    curriculum = CurriculumPage.objects.get(code="CMTP-103")
    CurriculumPage.objects.filter(pk=curriculum.pk).update(competencies=[mi2, "A text nobody mapped"])
    revision = Revision.objects.filter(object_id=str(curriculum.pk)).order_by("-pk").first()
    revision.content["competencies"] = [mi2]
    revision.save(update_fields=["content"])
    quiz = Quiz.objects.get(key="cmtp-103")
    item = Question.objects.filter(quiz=quiz).order_by("pk").first()
    Question.objects.filter(pk=item.pk).update(competency=mi2)
    Quiz.objects.filter(pk=quiz.pk).update(revisit_lessons={mi2: ["mi-spirit"]})
    lesson = LessonPage.objects.get(slug="mi-spirit")

    new = migrate(latest())
    Competency = new.get_model("competencies", "Competency")
    pages = new.get_model("curricula", "CurriculumPage").objects
    codes = set(pages.get(pk=curriculum.pk).competencies.values_list("code", flat=True))
    made = Competency.objects.get(description="A text nobody mapped")
    assert codes == {"MI-2", made.code} and made.code.startswith("LEGACY-")
    assert new.get_model("assessments", "Question").objects.get(pk=item.pk).competency.code == "MI-2"
    lesson_codes = new.get_model("curricula", "LessonPage").objects.get(pk=lesson.pk).competencies
    assert "MI-2" in set(lesson_codes.values_list("code", flat=True))
    content = new.get_model("wagtailcore", "Revision").objects.get(pk=revision.pk).content
    assert content["competencies"] == [Competency.objects.get(code="MI-2").pk]
