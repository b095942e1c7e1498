"""The loaded quiz banks: every curriculum has a scored quiz that a learner can fail and then pass."""

import pytest

from assessments.models import Question, Quiz, ScenarioQuestion, SingleChoiceQuestion, attach_options

pytestmark = pytest.mark.django_db


def test_each_curriculum_has_at_least_ten_questions_with_explanations_and_sources():
    quizzes = Quiz.objects.all()
    assert quizzes.count() == 6
    for quiz in quizzes:
        questions = list(quiz.questions.all())
        assert len(questions) >= 10, quiz.key
        kinds = {type(q) for q in questions}
        assert ScenarioQuestion in kinds and SingleChoiceQuestion in kinds
        for question in questions:
            assert question.explanation and question.source, question.key
        assert quiz.module is not None and quiz.required


def test_every_question_in_the_banks_has_a_fully_correct_answer():
    for question in attach_options(list(Question.objects.all())):
        best = _best_answer(question)
        assert question.score(best) == 1.0, question.key


def _best_answer(question):
    from assessments.models import MatchingQuestion, MultipleChoiceQuestion, OrderingQuestion, TrueFalseQuestion

    if isinstance(question, TrueFalseQuestion):
        return question.correct_answer
    if isinstance(question, OrderingQuestion):
        return [o.pk for o in question.option_list()]
    if isinstance(question, MatchingQuestion):
        return {str(o.pk): o.category for o in question.option_list()}
    if isinstance(question, ScenarioQuestion):
        answer = {}
        for _ in question.ordered_parts():
            path = question.path(answer)
            part, chosen = path[-1]
            if chosen is not None:
                break
            answer[part.key] = next(o.pk for o in part.option_list() if o.is_correct)
        return answer
    if isinstance(question, MultipleChoiceQuestion | SingleChoiceQuestion):
        return [o.pk for o in question.option_list() if o.is_correct]
    raise AssertionError(type(question))
