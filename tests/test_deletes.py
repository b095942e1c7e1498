"""Deletes never destroy learning history or crash (issue 14, item 4): pages, quizzes, questions and people
with history are refused before any confirmation, with a page naming what depends on them; things with no
history can still be deleted; a person's personal data can be removed while their history stays."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db.models import ProtectedError
from django.test import Client
from wagtail.models import ModelLogEntry, Page

from assessments.models import Attempt, Option, Quiz, Response, SingleChoiceQuestion, TrueFalseQuestion
from assessments.services import start_attempt, submit_attempt
from certificates.models import Certificate
from compliance.models import ReminderLog, StaffAction
from curricula.completion import record_lesson_completion
from curricula.models import CurriculumCompletion, LessonPage, LessonProgress
from curricula.services import record_lesson_view
from tests.assessments.builders import full_quiz
from tests.factories import AssignmentFactory, ReminderLogFactory, StaffFactory, UserFactory, make_curriculum

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def superuser_client():
    admin = User.objects.create_superuser("root@example.org", "root@example.org", "pw-root-123")
    client = Client()
    client.force_login(admin)
    client.user = admin
    return client


def completed_curriculum(user):
    """A curriculum the user has completed (progress on every lesson, a completion, a certificate)."""
    curriculum = make_curriculum(lessons_per_module=2)
    for lesson in curriculum.lessons():
        record_lesson_completion(user=user, lesson=lesson)
    assert CurriculumCompletion.objects.filter(user=user, curriculum=curriculum).exists()
    return curriculum


# ---- the keys themselves -------------------------------------------------------------------------------


def test_deleting_a_lesson_with_progress_is_refused_by_the_database_key():
    lesson = make_curriculum().lessons().first()
    record_lesson_view(user=UserFactory(), lesson=lesson)
    with pytest.raises(ProtectedError):
        LessonPage.objects.get(pk=lesson.pk).delete()
    assert LessonProgress.objects.filter(lesson=lesson).count() == 1


def test_deleting_a_user_with_attempts_or_progress_is_refused_by_the_database_key():
    user = UserFactory()
    quiz, _ = full_quiz()
    start_attempt(user=user, quiz=quiz)
    record_lesson_view(user=user, lesson=quiz.curriculum.lessons().first())
    with pytest.raises(ProtectedError):
        user.delete()
    assert Attempt.objects.filter(user=user).count() == 1
    assert LessonProgress.objects.filter(user=user).count() == 1


# ---- pages ---------------------------------------------------------------------------------------------


def test_deleting_a_lesson_with_progress_in_the_admin_is_refused_before_the_confirmation(admin_client):
    learners = [UserFactory() for _ in range(3)]
    lesson = make_curriculum().lessons().first()
    for learner in learners:
        record_lesson_view(user=learner, lesson=lesson)
    url = f"/admin/pages/{lesson.pk}/delete/"
    response = admin_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cannot delete" in html and "Records that depend on it: 3 learners&#x27; lesson progress." in html
    assert "Unpublish it instead" in html and "Yes, delete" not in html
    response = admin_client.post(url)
    assert response.status_code == 409
    assert LessonPage.objects.filter(pk=lesson.pk).exists()
    assert LessonProgress.objects.filter(lesson=lesson).count() == 3


def test_deleting_a_completed_curriculum_names_its_completions_and_certificates(admin_client):
    curriculum = completed_curriculum(UserFactory())
    response = admin_client.post(f"/admin/pages/{curriculum.pk}/delete/")
    assert response.status_code == 409
    html = response.content.decode()
    assert "1 completion" in html and "1 certificate" in html and "lesson progress" in html
    assert Page.objects.filter(pk=curriculum.pk).exists()
    assert Certificate.objects.filter(curriculum_id=curriculum.pk).count() == 1


def test_deleting_a_module_page_checks_the_lessons_below_it(admin_client):
    curriculum = make_curriculum()
    lesson = curriculum.lessons().first()
    record_lesson_view(user=UserFactory(), lesson=lesson)
    module = lesson.get_parent()
    assert admin_client.post(f"/admin/pages/{module.pk}/delete/").status_code == 409
    assert LessonPage.objects.filter(pk=lesson.pk).exists()


def test_a_lesson_nobody_opened_can_still_be_deleted(admin_client):
    lesson = make_curriculum().lessons().first()
    url = f"/admin/pages/{lesson.pk}/delete/"
    assert "Yes, delete" in admin_client.get(url).content.decode()
    response = admin_client.post(url)
    assert response.status_code == 302
    assert not LessonPage.objects.filter(pk=lesson.pk).exists()


def test_bulk_deleting_pages_with_history_is_refused_before_the_confirmation(admin_client):
    curriculum = make_curriculum()
    lessons = list(curriculum.lessons())
    record_lesson_view(user=UserFactory(), lesson=lessons[0])
    query = f"id={lessons[0].pk}&id={lessons[1].pk}"
    response = admin_client.get(f"/admin/bulk/wagtailcore/page/delete/?{query}")
    assert response.status_code == 200
    assert "Cannot delete" in response.content.decode()
    response = admin_client.post(f"/admin/bulk/wagtailcore/page/delete/?{query}")
    assert response.status_code == 409
    assert LessonPage.objects.filter(pk__in=[lessons[0].pk, lessons[1].pk]).count() == 2


# ---- quizzes and questions -----------------------------------------------------------------------------


def test_deleting_an_attempted_quiz_in_the_admin_is_refused_not_a_500(admin_client):
    quiz, parts = full_quiz()
    learner = UserFactory()
    attempt = start_attempt(user=learner, quiz=quiz)
    submit_attempt(attempt=attempt, raw_answers={parts["truefalse"].pk: "true"})
    url = f"/admin/snippets/assessments/quiz/delete/{quiz.pk}/"
    response = admin_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Records that depend on it: 1 learner&#x27;s attempts." in html and "inactive" in html
    assert admin_client.post(url).status_code == 409
    assert Quiz.objects.filter(pk=quiz.pk).exists()
    assert Attempt.objects.filter(pk=attempt.pk).exists()


def test_deleting_an_answered_question_in_the_admin_is_refused_not_a_500(admin_client):
    quiz, parts = full_quiz()
    tf = parts["truefalse"]
    submit_attempt(attempt=start_attempt(user=UserFactory(), quiz=quiz), raw_answers={tf.pk: "true"})
    url = f"/admin/snippets/assessments/truefalsequestion/delete/{tf.pk}/"
    response = admin_client.get(url)
    assert response.status_code == 200 and "Cannot delete" in response.content.decode()
    assert admin_client.post(url).status_code == 409
    assert TrueFalseQuestion.objects.filter(pk=tf.pk).exists()
    assert Response.objects.filter(question=tf).count() == 1


def test_bulk_deleting_answered_questions_is_refused(admin_client):
    quiz, parts = full_quiz()
    single_q, right, _ = parts["single"]
    submit_attempt(attempt=start_attempt(user=UserFactory(), quiz=quiz), raw_answers={single_q.pk: str(right.pk)})
    url = f"/admin/bulk/assessments/singlechoicequestion/delete/?id={single_q.pk}"
    assert "Cannot delete" in admin_client.get(url).content.decode()
    assert admin_client.post(url).status_code == 409
    assert SingleChoiceQuestion.objects.filter(pk=single_q.pk).exists()


def test_an_unanswered_question_and_an_unattempted_quiz_can_still_be_deleted(admin_client):
    quiz, parts = full_quiz()
    tf = parts["truefalse"]
    response = admin_client.post(f"/admin/snippets/assessments/truefalsequestion/delete/{tf.pk}/")
    assert response.status_code == 302
    assert not TrueFalseQuestion.objects.filter(pk=tf.pk).exists()
    response = admin_client.post(f"/admin/snippets/assessments/quiz/delete/{quiz.pk}/")
    assert response.status_code == 302
    assert not Quiz.objects.filter(pk=quiz.pk).exists()


# ---- people --------------------------------------------------------------------------------------------


def test_deleting_a_learner_in_wagtail_users_is_refused_and_offers_removing_personal_data(superuser_client):
    learner = UserFactory()
    completed_curriculum(learner)
    url = f"/admin/users/delete/{learner.pk}/"
    response = superuser_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 certificate" in html and "1 completion" in html and "Remove personal data" in html
    assert superuser_client.post(url).status_code == 409
    assert User.objects.filter(pk=learner.pk).exists()
    assert LessonProgress.objects.filter(user=learner).count() == 2


def test_bulk_deleting_learners_in_wagtail_users_is_refused(superuser_client):
    learner = UserFactory()
    record_lesson_view(user=learner, lesson=make_curriculum().lessons().first())
    url = f"/admin/bulk/auth/user/delete/?id={learner.pk}"
    assert "Cannot delete" in superuser_client.get(url).content.decode()
    assert superuser_client.post(url).status_code == 409
    assert LessonProgress.objects.filter(user=learner).count() == 1


def test_deleting_a_learner_in_django_admin_deletes_nothing(superuser_client):
    learner = UserFactory()
    quiz, parts = full_quiz()
    submit_attempt(attempt=start_attempt(user=learner, quiz=quiz), raw_answers={parts["truefalse"].pk: "true"})
    url = f"/django-admin/auth/user/{learner.pk}/delete/"
    response = superuser_client.get(url)
    assert response.status_code == 200
    assert "protected" in response.content.decode()
    superuser_client.post(url, {"post": "yes"})
    assert User.objects.filter(pk=learner.pk).exists()
    assert Attempt.objects.filter(user=learner).count() == 1


def test_an_account_with_no_history_can_still_be_deleted(superuser_client):
    mistaken = UserFactory()
    response = superuser_client.post(f"/admin/users/delete/{mistaken.pk}/")
    assert response.status_code == 302
    assert not User.objects.filter(pk=mistaken.pk).exists()


def test_remove_personal_data_anonymises_the_person_and_keeps_the_history(superuser_client):
    learner = UserFactory(first_name="Maria", last_name="Okafor", username="maria@harbor.org", email="maria@harbor.org")
    staff = StaffFactory(user=learner)
    curriculum = completed_curriculum(learner)
    certificate = Certificate.objects.get(user=learner)
    serial, code, completed_on = certificate.serial, certificate.code, certificate.completed_on
    assert certificate.learner_name == "Maria Okafor"
    ReminderLogFactory(
        key="due30:x", kind="due30", recipient=learner, subject="Training due",
        body="Hello Maria Okafor, your training is due.", sent_at=certificate.issued_at,
    )  # fmt: skip
    supervisor = UserFactory()
    ReminderLogFactory(
        key="digest:y", kind="digest", recipient=supervisor, subject="Digest",
        body="Overdue: Maria Okafor (maria@harbor.org)", sent_at=certificate.issued_at,
    )  # fmt: skip

    assignment = AssignmentFactory(
        staff=staff, curriculum=curriculum, state="waived", waived_reason="Maria Okafor did equivalent training"
    )
    StaffAction.objects.create(
        staff=staff, kind="extended", assignment=assignment, reason="Maria Okafor was on leave", actor=supervisor
    )

    url = f"/admin/people/remove-personal-data/{learner.pk}/"
    page = superuser_client.get(url).content.decode()
    assert "What goes" in page and "What stays" in page and "1 certificate" in page
    response = superuser_client.post(url)
    assert response.status_code == 302

    learner.refresh_from_db()
    assert learner.first_name + learner.last_name + learner.email + learner.username == (
        f"Removed person#{learner.pk}removed-{learner.pk}"
    )
    assert not learner.is_active and not learner.has_usable_password()
    certificate.refresh_from_db()
    assert certificate.learner_name == f"Removed person #{learner.pk}"
    assert (certificate.serial, certificate.code, certificate.completed_on) == (serial, code, completed_on)
    assert CurriculumCompletion.objects.filter(user=learner, curriculum=curriculum).count() == 1
    assert LessonProgress.objects.filter(user=learner).count() == 2
    staff.refresh_from_db()
    assert staff.user_id == learner.pk
    assert "Maria" not in str(list(ReminderLog.objects.values_list("email", "subject", "body")))
    assert "maria@harbor.org" not in str(list(ReminderLog.objects.values_list("email", "subject", "body")))
    assert StaffAction.objects.get(assignment=assignment).reason == f"Removed person #{learner.pk} was on leave"
    assignment.refresh_from_db()
    assert assignment.waived_reason == f"Removed person #{learner.pk} did equivalent training"
    entry = ModelLogEntry.objects.get(action="cmtp.remove_personal_data", object_id=str(learner.pk))
    assert entry.user_id == superuser_client.user.pk and entry.timestamp is not None
    # The public verification page still verifies the certificate, without the name.
    verify = Client().get(f"/verify/{code}/")
    assert verify.status_code == 200
    assert f"Removed person #{learner.pk}" in verify.content.decode() and "Maria" not in verify.content.decode()


def test_only_a_site_administrator_may_remove_personal_data(client):
    from django.contrib.auth.models import Permission

    coordinator = UserFactory(is_staff=True)
    coordinator.user_permissions.add(Permission.objects.get(codename="access_admin"))
    learner = UserFactory()
    client.force_login(coordinator)
    assert client.post(f"/admin/people/remove-personal-data/{learner.pk}/").status_code in (302, 403)
    learner.refresh_from_db()
    assert learner.is_active and "removed" not in learner.username


def test_an_administrator_cannot_remove_their_own_personal_data(superuser_client):
    superuser_client.post(f"/admin/people/remove-personal-data/{superuser_client.user.pk}/")
    superuser_client.user.refresh_from_db()
    assert superuser_client.user.is_active and superuser_client.user.email == "root@example.org"


def test_a_protecting_key_the_counts_do_not_name_is_still_reported_not_a_500():
    """The fallback asks Django's delete collector, so a PROTECT key added later still gives a message."""
    from compliance.evidence import other_protecting_records

    learner = UserFactory()
    lesson = make_curriculum().lessons().first()
    record_lesson_view(user=learner, lesson=lesson)
    found = str(other_protecting_records([learner]))
    assert found.startswith("1 record (") and "lesson progress" in found
    assert not other_protecting_records([UserFactory()])


def test_removing_an_option_of_an_answered_question_in_its_editor_is_refused(admin_client):
    quiz, parts = full_quiz()
    single_q, right, wrong = parts["single"]
    submit_attempt(attempt=start_attempt(user=UserFactory(), quiz=quiz), raw_answers={single_q.pk: str(wrong.pk)})
    url = f"/admin/snippets/assessments/singlechoicequestion/edit/{single_q.pk}/"
    assert admin_client.get(url).status_code == 200
    post = {
        "quiz": quiz.pk, "key": single_q.key, "sort_order": 0, "competency": "", "text": single_q.text,
        "explanation": "", "source": "",
        "options-TOTAL_FORMS": "2", "options-INITIAL_FORMS": "2", "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, option in enumerate([right, wrong]):
        post.update({
            f"options-{i}-id": option.pk, f"options-{i}-text": option.text, f"options-{i}-sort_order": i,
            f"options-{i}-ORDER": i + 1, f"options-{i}-feedback": "", f"options-{i}-category": "",
        })  # fmt: skip
    post["options-0-is_correct"] = "on"
    response = admin_client.post(url, {**post, "options-1-DELETE": "1"})
    assert response.status_code == 409
    assert "1 learner&#x27;s answer" in response.content.decode()
    assert Option.objects.filter(pk=wrong.pk).exists()
    # Editing the text of the same answered question is still allowed.
    response = admin_client.post(url, {**post, "text": "Which plan does MCM use? (reworded)"})
    assert response.status_code == 302, response.content.decode()[:3000]
    single_q.refresh_from_db()
    assert single_q.text.endswith("(reworded)")


def test_the_users_listing_offers_remove_personal_data_to_site_administrators_only(superuser_client, client):
    learner = UserFactory()
    link = f"/admin/people/remove-personal-data/{learner.pk}/"
    assert link in superuser_client.get("/admin/users/").content.decode()
    from django.contrib.auth.models import Permission

    manager = UserFactory()  # may manage users, but is not a site administrator
    manager.user_permissions.add(*Permission.objects.filter(codename__in=["access_admin", "change_user", "add_user"]))
    client.force_login(manager)
    listing = client.get("/admin/users/")
    assert listing.status_code == 200 and learner.email in listing.content.decode()
    assert link not in listing.content.decode()
    assert client.get(link).status_code in (302, 403)
