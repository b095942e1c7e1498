"""The completion rule decides evidence (a completion, then a certificate), so it reads the curriculum's lessons
from the database, never from the lesson structure pages keep per content generation (`curricula.queries`)."""

from __future__ import annotations

import pytest

from content import generation
from curricula import queries
from curricula.completion import record_lesson_completion
from curricula.models import CurriculumCompletion
from tests.factories import UserFactory, make_curriculum

pytestmark = pytest.mark.django_db


def test_a_kept_structure_that_missed_a_lesson_cannot_complete_a_curriculum(monkeypatch):
    user = UserFactory()
    curriculum = make_curriculum(modules=1, lessons_per_module=3)
    lessons = list(curriculum.lessons())
    stale = queries._lessons_under([curriculum], kept=False)[:2]  # as if the cache had missed the third lesson
    real = generation.page_cache

    class StaleCache:
        def get(self, key, default=None):
            return stale if key.startswith("lessons-under:") else real().get(key, default)

        def set(self, *args, **kwargs):
            return real().set(*args, **kwargs)

    monkeypatch.setattr(generation, "page_cache", StaleCache)
    assert queries.curriculum_progress(user=user, curriculum=curriculum).lesson_ids == [x.pk for x in lessons[:2]]
    for lesson in lessons[:2]:
        record_lesson_completion(user=user, lesson=lesson)
    assert not CurriculumCompletion.objects.filter(user=user).exists()
    record_lesson_completion(user=user, lesson=lessons[2])
    assert CurriculumCompletion.objects.filter(user=user, curriculum=curriculum).exists()
