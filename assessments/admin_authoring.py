"""Writing authored questions: the quiz editor's save and a question bank import, each in one transaction.

Rows are updated in place by id (answers store option ids, so an answered question keeps its options' ids);
new rows are created; rows left out are deleted (the editor has already refused removing anything learners
answered). Nothing is half-written: any failure rolls the whole save back.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model

from .formats.draft import OptionDraft, ParsedBank, PartDraft, Problem, QuestionDraft
from .models import (
    MatchingQuestion,
    MultipleChoiceQuestion,
    Option,
    OrderingQuestion,
    Question,
    Quiz,
    Response,
    ScenarioPart,
    ScenarioQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
)

MODELS: dict[str, type[Question]] = {
    "single": SingleChoiceQuestion,
    "multiple": MultipleChoiceQuestion,
    "truefalse": TrueFalseQuestion,
    "ordering": OrderingQuestion,
    "matching": MatchingQuestion,
    "scenario": ScenarioQuestion,
}


def answered_question_ids(*, quiz: Quiz) -> set[int]:
    """Questions of this quiz that learners have answered (their rows are evidence)."""
    return set(Response.objects.filter(question__quiz=quiz).values_list("question_id", flat=True).distinct())


def saved_row_ids(*, quiz: Quiz) -> dict[str, set[int]]:
    """The option and part ids that belong to this quiz: an editor post may name only these."""
    return {
        "options": set(Option.objects.filter(question__quiz=quiz).values_list("pk", flat=True)),
        "parts": set(ScenarioPart.objects.filter(question__quiz=quiz).values_list("pk", flat=True)),
    }


def competency_value(text: Any) -> Any:
    """What the question's competency field stores for a competency named in a file: the framework
    competency with that code ("MI-2", or "MI-2 Short name" as exported), None if there is none; the text
    itself while the field is free text."""
    field = Question._meta.get_field("competency")
    if not field.is_relation:
        return str(text or "")
    if not text or isinstance(text, Model):
        return text or None
    related: Any = field.related_model
    code = str(text).split()[0]
    return related._default_manager.filter(code=code).first()


def check_competencies(bank: ParsedBank) -> None:
    """An imported question naming a competency the framework does not have is an error on its line."""
    field = Question._meta.get_field("competency")
    if not field.is_relation:
        return
    for question in list(bank.questions):
        if question.competency and competency_value(question.competency) is None:
            bank.errors.append(
                Problem(question.line, f"“{question.key}”: no competency “{question.competency}” in the framework.")
            )


def competency_text(question: Question) -> str:
    """The competency as a file writes it: the framework code (or the text, while it is free text)."""
    value: Any = question.competency
    if value is None:
        return ""
    return str(getattr(value, "code", value))


def save_quiz(*, settings_form: Any, drafts: list[QuestionDraft]) -> Quiz:
    """Save the quiz settings and its questions in order, exactly as checked by the editor."""
    with transaction.atomic():
        quiz: Quiz = settings_form.save()
        existing = {q.pk: q for q in quiz.questions.all()}
        kept = {d.id for d in drafts if d.id is not None}
        for pk, question in existing.items():
            if pk not in kept:
                question.delete()
        # Keys are unique per quiz: park the kept questions' keys so a swap of keys cannot collide midway.
        for pk in kept:
            Question.objects.filter(pk=pk).update(key=f"~{pk}")
        for position, draft in enumerate(drafts, start=1):
            _write_question(quiz=quiz, draft=draft, position=position, instance=existing.get(draft.id or 0))
    return quiz


def add_questions(*, quiz: Quiz, drafts: list[QuestionDraft]) -> list[Question]:
    """Append imported questions after the quiz's own, renaming a key the quiz already uses (q1 -> q1-2)."""
    with transaction.atomic():
        Quiz.objects.select_for_update().filter(pk=quiz.pk).first()  # one import at a time per quiz
        keys = set(quiz.questions.values_list("key", flat=True))
        last = max(quiz.questions.values_list("sort_order", flat=True), default=0)
        created = []
        for offset, draft in enumerate(drafts, start=1):
            key, n = draft.key, 2
            while key in keys:
                key, n = f"{draft.key[:36]}-{n}", n + 1
            keys.add(key)
            draft.key = key
            draft.competency = competency_value(draft.competency)
            created.append(_write_question(quiz=quiz, draft=draft, position=last + offset, instance=None))
    return created


def _write_question(*, quiz: Quiz, draft: QuestionDraft, position: int, instance: Question | None) -> Question:
    model = MODELS[draft.type]
    question: Any = instance if instance is not None else model(quiz=quiz)
    question.key = draft.key
    question.text = draft.text
    question.explanation = draft.explanation
    question.source = draft.source
    question.competency = draft.competency
    question.retired = draft.retired
    question.sort_order = position
    if draft.type == "truefalse":
        question.correct_answer = draft.correct_answer
        question.feedback_true = draft.feedback_true
        question.feedback_false = draft.feedback_false
    if draft.type == "matching":
        question.categories = list(draft.categories)
    if draft.type == "scenario":
        question.vignette = draft.vignette
    question.save()
    if draft.type == "scenario":
        parts = {p.pk: p for p in question.parts.all()}
        kept = {p.id for p in draft.parts if p.id is not None}
        for pk, part in parts.items():
            if pk not in kept:
                part.delete()
        for pk in kept:
            ScenarioPart.objects.filter(pk=pk).update(key=f"~{pk}")
        for order, part_draft in enumerate(draft.parts, start=1):
            part = parts.get(part_draft.id or 0) or ScenarioPart(question=question)
            part.key, part.text, part.sort_order = part_draft.key, part_draft.text, order
            part.save()
            _write_options(question=question, part=part, drafts=part_draft.options)
    else:
        _write_options(question=question, part=None, drafts=draft.options)
    return question


def _write_options(*, question: Question, part: ScenarioPart | None, drafts: list[OptionDraft]) -> None:
    existing = {o.pk: o for o in Option.objects.filter(question=question, part=part)}
    kept = {d.id for d in drafts if d.id is not None}
    Option.objects.filter(pk__in=set(existing) - kept).delete()
    for order, draft in enumerate(drafts, start=1):
        option = existing.get(draft.id or 0) or Option(question=question, part=part)
        option.text, option.feedback, option.sort_order = draft.text, draft.feedback, order
        # Every ordering item is "correct" in its place (as the content loader stores them).
        option.is_correct = True if isinstance(question, OrderingQuestion) else draft.is_correct
        option.category = draft.category if isinstance(question, MatchingQuestion) else ""
        option.next_part = draft.next_part if part is not None else ""
        option.save()


def drafts_from_questions(questions: list[Question]) -> list[QuestionDraft]:
    """Saved questions as drafts (for export, and to compare a round trip). Pass them through
    ``attach_options`` first: this reads the caches it fills, not the database."""
    drafts = []
    for question in questions:
        specific: Any = question
        code = next(c for c, model in MODELS.items() if type(question) is model)
        draft = QuestionDraft(
            type=code,
            key=question.key,
            text=question.text,
            explanation=question.explanation,
            source=question.source,
            competency=competency_text(question),
            retired=question.retired,
            id=question.pk,
        )
        if code == "truefalse":
            draft.correct_answer = specific.correct_answer
            draft.feedback_true, draft.feedback_false = specific.feedback_true, specific.feedback_false
        if code == "matching":
            draft.categories = [str(c) for c in specific.categories or []]
        if code == "scenario":
            draft.vignette = specific.vignette
            draft.parts = [
                PartDraft(
                    key=part.key, text=part.text, id=part.pk, options=[_option_draft(o) for o in part.option_list()]
                )
                for part in specific.ordered_parts()
            ]
        else:
            draft.options = [_option_draft(o) for o in question.option_list()]
        drafts.append(draft)
    return drafts


def _option_draft(option: Option) -> OptionDraft:
    return OptionDraft(
        text=option.text,
        is_correct=option.is_correct,
        category=option.category,
        next_part=option.next_part,
        feedback=option.feedback,
        id=option.pk,
    )
