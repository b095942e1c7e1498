"""Reading a lesson writes only what changes (issue 22): a lesson page is read far more often than it changes,
so a reload of the lesson last viewed today writes nothing, while a first view, a move to another lesson (the
resume point) and a view on a later day (a manager's 'last activity') are still recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from curricula.models import LessonProgress
from curricula.queries import curriculum_progress
from tests.factories import StaffFactory, make_curriculum

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def _get(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def _writes(sql: list[str]) -> list[str]:
    return [s for s in sql if s.lstrip().upper().startswith(WRITES) and "lessonprogress" in s.lower()]


def test_reloading_the_lesson_last_viewed_writes_nothing(client):
    staff = StaffFactory()
    client.force_login(staff.user)
    lesson = make_curriculum(modules=2, lessons_per_module=3).lessons()[2]
    first = _get(client, lesson.url)
    assert _writes(first), "a first view must be recorded"
    viewed_at = LessonProgress.objects.get(user=staff.user, lesson=lesson).last_viewed_at
    again = _get(client, lesson.url)
    assert _writes(again) == []
    assert LessonProgress.objects.get(user=staff.user, lesson=lesson).last_viewed_at == viewed_at


def test_going_back_to_an_earlier_lesson_moves_the_resume_point(client):
    staff = StaffFactory()
    client.force_login(staff.user)
    curriculum = make_curriculum(modules=1, lessons_per_module=3)
    first, second = list(curriculum.lessons())[:2]
    _get(client, first.url)
    _get(client, second.url)
    assert curriculum_progress(user=staff.user, curriculum=curriculum).last_lesson_id == second.pk
    assert _writes(_get(client, first.url)), "returning to a lesson changes the resume point: recorded"
    assert curriculum_progress(user=staff.user, curriculum=curriculum).last_lesson_id == first.pk


def test_a_view_on_a_later_day_is_recorded_for_last_activity(client):
    staff = StaffFactory()
    client.force_login(staff.user)
    lesson = make_curriculum(modules=1, lessons_per_module=2).lessons().first()
    _get(client, lesson.url)
    yesterday = timezone.now() - timedelta(days=1)
    LessonProgress.objects.filter(user=staff.user, lesson=lesson).update(last_viewed_at=yesterday)
    assert _writes(_get(client, lesson.url))
    assert LessonProgress.objects.get(user=staff.user, lesson=lesson).last_viewed_at > yesterday


def test_a_completed_lesson_read_again_writes_nothing_and_stays_completed(client):
    from curricula.completion import record_lesson_completion

    staff = StaffFactory()
    client.force_login(staff.user)
    lesson = make_curriculum(modules=1, lessons_per_module=2).lessons().first()
    record_lesson_completion(user=staff.user, lesson=lesson)
    html_sql = _get(client, lesson.url)
    assert _writes(html_sql) == []
    assert "Lesson completed" in client.get(lesson.url).content.decode()
    assert LessonProgress.objects.get(user=staff.user, lesson=lesson).completed_at is not None
