"""Build quizzes with every question type for tests."""

from wagtail.signal_handlers import disable_reference_index_auto_update

from assessments.models import (
    MatchingQuestion,
    MultipleChoiceQuestion,
    Option,
    OrderingQuestion,
    Quiz,
    ScenarioPart,
    ScenarioQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
)
from tests.factories import make_curriculum


def single(quiz, order=0, key="single"):
    q = SingleChoiceQuestion.objects.create(
        quiz=quiz,
        key=key,
        sort_order=order,
        text="Which plan does MCM use?",
        explanation="MCM uses a CTP.",
        source="Seed 000",
    )
    right = Option.objects.create(question=q, text="Comprehensive Treatment Plan", is_correct=True, feedback="Yes")
    wrong = Option.objects.create(question=q, text="Individual Service Plan", feedback="That is NMCM")
    return q, right, wrong


def multiple(quiz, order=1):
    q = MultipleChoiceQuestion.objects.create(quiz=quiz, key="multi", sort_order=order, text="Pick MCM activities")
    opts = [
        Option.objects.create(question=q, text="Adherence counselling", is_correct=True, sort_order=0),
        Option.objects.create(question=q, text="Treatment plan", is_correct=True, sort_order=1),
        Option.objects.create(question=q, text="Legal referral only", sort_order=2),
        Option.objects.create(question=q, text="Billing substance use counselling", sort_order=3),
    ]
    return q, opts


def truefalse(quiz, order=2):
    return TrueFalseQuestion.objects.create(
        quiz=quiz,
        key="tf",
        sort_order=order,
        text="Re-evaluate every 6 months",
        correct_answer=True,
        feedback_true="Right",
        feedback_false="No",
    )


def ordering(quiz, order=3):
    q = OrderingQuestion.objects.create(quiz=quiz, key="order", sort_order=order, text="Order the steps")
    items = [
        Option.objects.create(question=q, text=t, sort_order=i, is_correct=True)
        for i, t in enumerate(["Intake", "Assessment", "Service planning", "Case closure"])
    ]
    return q, items


def matching(quiz, order=4):
    q = MatchingQuestion.objects.create(
        quiz=quiz, key="match", sort_order=order, text="Sort", categories=["MCM", "NMCM"]
    )
    items = [
        Option.objects.create(question=q, text="Adherence counselling", category="MCM", sort_order=0),
        Option.objects.create(question=q, text="Housing application help", category="NMCM", sort_order=1),
        Option.objects.create(question=q, text="Treatment plan", category="MCM", sort_order=2),
        Option.objects.create(question=q, text="Benefits paperwork", category="NMCM", sort_order=3),
    ]
    return q, items


def scenario(quiz, order=5):
    """p1 -> (good) p2 -> end ; p1 -> (poor) p2b -> p3 -> end."""
    q = ScenarioQuestion.objects.create(quiz=quiz, key="scen", sort_order=order, text="Case", vignette="Ana, 29 ...")
    p1 = ScenarioPart.objects.create(question=q, key="p1", sort_order=0, text="First?")
    p2 = ScenarioPart.objects.create(question=q, key="p2", sort_order=1, text="Good path next?")
    p2b = ScenarioPart.objects.create(question=q, key="p2b", sort_order=2, text="Recovery path?")
    p3 = ScenarioPart.objects.create(question=q, key="p3", sort_order=3, text="Finally?")
    o = {
        "p1_good": Option.objects.create(question=q, part=p1, text="Reflect", is_correct=True, next_part="p2"),
        "p1_poor": Option.objects.create(question=q, part=p1, text="Lecture", next_part="p2b"),
        "p2_good": Option.objects.create(question=q, part=p2, text="Plan", is_correct=True, next_part="end"),
        "p2_poor": Option.objects.create(question=q, part=p2, text="Ignore", next_part="end"),
        "p2b_good": Option.objects.create(question=q, part=p2b, text="Apologise", is_correct=True, next_part="p3"),
        "p2b_poor": Option.objects.create(question=q, part=p2b, text="Insist", next_part="p3"),
        "p3_good": Option.objects.create(question=q, part=p3, text="Refer", is_correct=True, next_part="end"),
        "p3_poor": Option.objects.create(question=q, part=p3, text="Close case", next_part="end"),
    }
    return q, o


def full_quiz(**quiz_fields):
    """A quiz with one question of every type. Built without updating Wagtail's reference index, as the
    factories build pages: each option saved would index its question again (a ParentalKey child: 13 index
    updates for the scenario question alone). No test of a quiz built here reads the index; the tenancy sweep's
    world is built without these builders, as production builds it."""
    curriculum = quiz_fields.pop("curriculum", None) or make_curriculum(lessons_per_module=1)
    # The pause is not re-entrant: the curriculum is built before it (make_curriculum pauses on its own).
    with disable_reference_index_auto_update():
        return _full_quiz(curriculum=curriculum, **quiz_fields)


def _full_quiz(*, curriculum, **quiz_fields):
    quiz = Quiz.objects.create(
        key=quiz_fields.pop("key", f"quiz-{curriculum.pk}"),
        title="Full quiz",
        curriculum=curriculum,
        **{"shuffle_options": True, **quiz_fields},
    )
    parts = {
        "single": single(quiz),
        "multiple": multiple(quiz),
        "truefalse": truefalse(quiz),
        "ordering": ordering(quiz),
        "matching": matching(quiz),
        "scenario": scenario(quiz),
    }
    return quiz, parts
