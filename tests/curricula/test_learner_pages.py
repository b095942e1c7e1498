import pytest

from curricula.models import LessonProgress
from tests.factories import StaffFactory, UserFactory, make_curriculum

pytestmark = pytest.mark.django_db


def test_lesson_requires_login(client):
    lesson = make_curriculum().lessons().first()
    response = client.get(lesson.url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_reading_a_lesson_records_a_start_and_shows_outline(client):
    user = UserFactory()
    curriculum = make_curriculum(modules=2, lessons_per_module=2)
    lesson = curriculum.lessons().first()
    client.force_login(user)
    html = client.get(lesson.url).content.decode()
    assert LessonProgress.objects.filter(user=user, lesson=lesson, completed_at__isnull=True).exists()
    assert "Mark as complete" in html
    assert "Module 2" in html


def test_completing_a_lesson_redirects_to_the_next_and_shows_progress(client):
    user = UserFactory()
    curriculum = make_curriculum(modules=1, lessons_per_module=3)
    lessons = list(curriculum.lessons())
    client.force_login(user)
    response = client.post(f"/learn/lessons/{lessons[0].pk}/complete/")
    assert response.status_code == 302
    assert response["Location"] == lessons[1].url
    html = client.get(curriculum.url).content.decode()
    assert "33% complete" in html


def test_progress_cannot_be_recorded_on_an_unpublished_lesson(client):
    user = UserFactory()
    lesson = make_curriculum().lessons().first()
    lesson.unpublish()
    client.force_login(user)
    assert client.post(f"/learn/lessons/{lesson.pk}/complete/").status_code == 404
    assert not LessonProgress.objects.filter(user=user).exists()


def test_progress_is_only_ever_recorded_for_the_signed_in_user(client):
    me, other = UserFactory(), UserFactory()
    lesson = make_curriculum().lessons().first()
    client.force_login(me)
    client.post(f"/learn/lessons/{lesson.pk}/complete/", {"user": other.pk, "user_id": other.pk})
    assert LessonProgress.objects.filter(user=me).exists()
    assert not LessonProgress.objects.filter(user=other).exists()


def test_complete_lesson_needs_post_and_csrf(client):
    from django.test import Client

    user = UserFactory()
    lesson = make_curriculum().lessons().first()
    client.force_login(user)
    assert client.get(f"/learn/lessons/{lesson.pk}/complete/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(f"/learn/lessons/{lesson.pk}/complete/").status_code == 403


def _many_curricula_with_assignments(staff, count=20, lessons=10):
    from datetime import timedelta

    from django.utils import timezone

    from curricula.models import Assignment, AssignmentSource

    curricula = [make_curriculum(modules=2, lessons_per_module=lessons // 2) for _ in range(count)]
    Assignment.objects.bulk_create(
        Assignment(
            staff=staff,
            curriculum=c,
            source=AssignmentSource.MANUAL,
            required_from=timezone.localdate(),
            due_on=timezone.localdate() + timedelta(days=i * 5 - 20),
        )
        for i, c in enumerate(curricula)
    )
    return curricula


def test_dashboard_query_count_is_bounded_with_20_curricula_and_200_lessons(client, django_assert_max_num_queries):
    staff = StaffFactory()
    curricula = _many_curricula_with_assignments(staff)
    for lesson in list(curricula[3].lessons())[:4]:
        from curricula.completion import record_lesson_completion

        record_lesson_completion(user=staff.user, lesson=lesson)
    client.force_login(staff.user)
    with django_assert_max_num_queries(20):
        response = client.get("/learn/")
    html = response.content.decode()
    assert "Overdue" in html
    assert "Continue where you left off" in html
    assert html.count('class="card"') >= 20


def test_lesson_page_query_count_is_bounded(client, django_assert_max_num_queries):
    staff = StaffFactory()
    curricula = _many_curricula_with_assignments(staff, count=20, lessons=10)
    big = make_curriculum(modules=5, lessons_per_module=10)
    lesson = list(big.lessons())[25]
    client.force_login(staff.user)
    client.get(lesson.url)
    # Wagtail routes one query per tree level; nothing here grows with the number of lessons or curricula.
    with django_assert_max_num_queries(40):
        response = client.get(lesson.url)
    assert response.status_code == 200
    assert curricula


def test_transcript_lists_completions_with_hours(client):
    from curricula.completion import record_lesson_completion

    user = UserFactory()
    curriculum = make_curriculum()
    for lesson in curriculum.lessons():
        record_lesson_completion(user=user, lesson=lesson)
    client.force_login(user)
    html = client.get("/learn/transcript/").content.decode()
    assert curriculum.code in html
    assert "2.0" in html
    assert "CMTP-" in html  # certificate serial


def test_catalogue_lists_every_curriculum(client):
    html = client.get("/curricula/").content.decode()
    for code in ["CMTP-101", "CMTP-102", "CMTP-103", "CMTP-104", "CMTP-105", "CMTP-106"]:
        assert code in html


def test_publishing_a_lesson_edit_keeps_learner_progress():
    from curricula.completion import record_lesson_completion
    from curricula.queries import curriculum_progress

    user = UserFactory()
    curriculum = make_curriculum(lessons_per_module=2)
    lesson = curriculum.lessons().first()
    record_lesson_completion(user=user, lesson=lesson)
    lesson.title = "Renamed lesson"
    lesson.body = [("markdown", "Rewritten body.")]
    lesson.save_revision().publish()
    progress = curriculum_progress(user=user, curriculum=curriculum)
    assert lesson.pk in progress.done_lesson_ids
    assert progress.percent == 50


def test_transcript_and_curriculum_page_have_bounded_queries(client, django_assert_max_num_queries):
    from django.utils import timezone

    from curricula.models import CurriculumCompletion

    user = UserFactory()
    curricula = [make_curriculum(modules=2, lessons_per_module=5) for _ in range(15)]
    CurriculumCompletion.objects.bulk_create(
        CurriculumCompletion(
            user=user,
            curriculum=c,
            completed_at=timezone.now(),
            curriculum_code=c.code,
            curriculum_title=c.title,
            credit_hours=c.credit_hours,
        )
        for c in curricula
    )
    client.force_login(user)
    with django_assert_max_num_queries(12):
        html = client.get("/learn/transcript/").content.decode()
    assert html.count("<tr>") == 16
    client.get(curricula[0].url)
    with django_assert_max_num_queries(30):
        assert client.get(curricula[0].url).status_code == 200
