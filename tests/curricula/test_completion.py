from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import Attempt
from certificates.models import Certificate
from curricula.completion import complete_if_done, record_lesson_completion
from curricula.models import CurriculumCompletion, LessonPage, LessonProgress, ModulePage
from curricula.queries import curriculum_progress
from tests.factories import AssignmentFactory, AttemptFactory, QuizFactory, UserFactory, make_curriculum

pytestmark = pytest.mark.django_db


def _finish_lessons(user, curriculum):
    result = None
    for lesson in curriculum.lessons():
        result = record_lesson_completion(user=user, lesson=lesson)
    return result


def _passed_attempt(user, quiz):
    number = Attempt.objects.filter(user=user, quiz=quiz).count() + 1
    return AttemptFactory(user=user, quiz=quiz, number=number, submitted_at=timezone.now(), score=100, passed=True)


def test_finishing_every_lesson_completes_a_curriculum_without_quizzes():
    user = UserFactory()
    curriculum = make_curriculum(modules=2, lessons_per_module=2)
    lessons = list(curriculum.lessons())
    for lesson in lessons[:-1]:
        assert record_lesson_completion(user=user, lesson=lesson) is None
    completion = record_lesson_completion(user=user, lesson=lessons[-1])
    assert completion is not None
    assert completion.curriculum_code == curriculum.code
    assert Certificate.objects.filter(completion=completion).count() == 1


def test_required_quiz_must_be_passed_before_completion():
    user = UserFactory()
    curriculum = make_curriculum()
    quiz = QuizFactory(key="q-required", title="Check", curriculum=curriculum, required=True)
    assert _finish_lessons(user, curriculum) is None
    AttemptFactory(user=user, quiz=quiz, number=1, submitted_at=timezone.now(), score=50, passed=False)
    assert complete_if_done(user=user, curriculum=curriculum) is None
    _passed_attempt(user, quiz)
    assert complete_if_done(user=user, curriculum=curriculum) is not None


def test_optional_quiz_and_optional_lesson_do_not_block_completion():
    user = UserFactory()
    curriculum = make_curriculum(lessons_per_module=2)
    QuizFactory(key="q-optional", title="Practice", curriculum=curriculum, required=False)
    optional = list(curriculum.lessons())[-1]
    LessonPage.objects.filter(pk=optional.pk).update(required=False)
    first = list(curriculum.lessons())[0]
    assert record_lesson_completion(user=user, lesson=first) is not None


def test_unpublished_lesson_does_not_count_and_cannot_be_recorded():
    user = UserFactory()
    curriculum = make_curriculum(lessons_per_module=3)
    draft = list(curriculum.lessons())[-1]
    draft.unpublish()
    with pytest.raises(ValueError, match="published"):
        record_lesson_completion(user=user, lesson=LessonPage.objects.get(pk=draft.pk))
    assert _finish_lessons(user, curriculum) is not None  # the two published ones suffice


def test_completion_is_kept_when_a_lesson_is_added_later():
    user = UserFactory()
    curriculum = make_curriculum()
    completion = _finish_lessons(user, curriculum)
    module = ModulePage.objects.child_of(curriculum).first()
    module.add_child(instance=LessonPage(title="New lesson", slug="new-lesson", body=[("markdown", "New.")]))
    progress = curriculum_progress(user=user, curriculum=curriculum)
    assert progress.completed_before
    assert progress.percent == 100
    assert CurriculumCompletion.objects.filter(pk=completion.pk).exists()


def test_voluntary_learner_without_assignment_can_complete():
    user = UserFactory()  # no staff record, no assignment
    curriculum = make_curriculum()
    assert _finish_lessons(user, curriculum) is not None


def test_completion_happens_once_even_when_called_again():
    user = UserFactory()
    curriculum = make_curriculum()
    _finish_lessons(user, curriculum)
    assert complete_if_done(user=user, curriculum=curriculum) is None
    for lesson in curriculum.lessons():
        record_lesson_completion(user=user, lesson=lesson)
    assert CurriculumCompletion.objects.filter(user=user, curriculum=curriculum).count() == 1
    assert Certificate.objects.filter(user=user).count() == 1


def test_recertification_cycle_needs_lessons_redone_and_keeps_history():
    from agencies.models import JobRole
    from curricula.models import AssignmentSource
    from tests.factories import StaffFactory

    staff = StaffFactory(role=JobRole.MCM)
    user = staff.user
    curriculum = make_curriculum(recertification_months=12)
    first = _finish_lessons(user, curriculum)
    CurriculumCompletion.objects.filter(pk=first.pk).update(completed_at=timezone.now() - timedelta(days=400))
    LessonProgress.objects.filter(user=user).update(completed_at=timezone.now() - timedelta(days=401))
    AssignmentFactory(
        staff=staff,
        curriculum=curriculum,
        source=AssignmentSource.RECERTIFICATION,
        required_from=timezone.localdate(),
        due_on=timezone.localdate() + timedelta(days=30),
    )
    progress = curriculum_progress(user=user, curriculum=curriculum)
    assert progress.renewal_open and progress.items_done == 0
    second = _finish_lessons(user, curriculum)
    assert second is not None and second.cycle == 2
    assert CurriculumCompletion.objects.filter(user=user, curriculum=curriculum).count() == 2
