"""What the quiz pages show, built in Python so templates stay simple and never see an answer key
before submission (the attempt view only ever receives the `*_for_attempt` structures)."""

from __future__ import annotations

import random
from typing import Any

from content.sanitize import render_markdown

from .models import (
    Attempt,
    MatchingQuestion,
    MultipleChoiceQuestion,
    OrderingQuestion,
    Question,
    Response,
    ScenarioQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
    attach_options,
)

KINDS = {
    SingleChoiceQuestion: "single",
    MultipleChoiceQuestion: "multiple",
    TrueFalseQuestion: "truefalse",
    OrderingQuestion: "ordering",
    MatchingQuestion: "matching",
    ScenarioQuestion: "scenario",
}


def attempt_questions(attempt: Attempt) -> list[Question]:
    by_id = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    return attach_options([by_id[pk] for pk in attempt.question_ids if pk in by_id])


def _ordered_options(attempt: Attempt, question: Question) -> list[dict[str, Any]]:
    options = question.option_list()
    order = attempt.option_orders.get(str(question.pk))
    if isinstance(question, OrderingQuestion):
        # The right order is the stored order, so it is always shown shuffled (stable per attempt).
        options = list(options)
        random.Random(f"{attempt.pk}:{question.pk}").shuffle(options)  # noqa: S311 - display order only
    elif order:
        position = {pk: i for i, pk in enumerate(order)}
        options = sorted(options, key=lambda o: position.get(o.pk, len(position)))
    return [{"id": o.pk, "html": render_markdown(o.text)} for o in options]


def questions_for_attempt(attempt: Attempt, responses: dict[int, Response]) -> list[dict[str, Any]]:
    """The attempt form: question text, options (no correctness, no categories of items, no order key)."""
    items = []
    for number, question in enumerate(attempt_questions(attempt), start=1):
        saved = responses.get(question.pk)
        answer = saved.answer if saved else None
        item: dict[str, Any] = {
            "id": question.pk,
            "number": number,
            "kind": KINDS[type(question)],
            "type_label": question.type_label,
            "text_html": render_markdown(question.text),
            "answer": answer,
        }
        if isinstance(question, ScenarioQuestion):
            item["vignette_html"] = render_markdown(question.vignette)
            item["parts"] = [
                {
                    "key": part.key,
                    "text_html": render_markdown(part.text),
                    "options": [{"id": o.pk, "html": render_markdown(o.text)} for o in part.option_list()],
                    "chosen": chosen,
                }
                for part, chosen in question.path(answer or {})
            ]
            item["branching"] = any(o.next_part for p in question.ordered_parts() for o in p.option_list())
        elif isinstance(question, MatchingQuestion):
            item["categories"] = question.categories
            item["options"] = _ordered_options(attempt, question)
        elif isinstance(question, OrderingQuestion):
            item["options"] = _ordered_options(attempt, question)
            item["positions"] = list(range(1, len(item["options"]) + 1))
            if isinstance(answer, list):
                item["answer_positions"] = {pk: i + 1 for i, pk in enumerate(answer)}
        elif not isinstance(question, TrueFalseQuestion):
            item["options"] = _ordered_options(attempt, question)
        items.append(item)
    return items


def review_for_attempt(attempt: Attempt) -> list[dict[str, Any]]:
    """After submission only: the learner's answer, right answer, feedback, explanation and source."""
    responses = {r.question_id: r for r in Response.objects.filter(attempt=attempt)}
    items = []
    for number, question in enumerate(attempt_questions(attempt), start=1):
        response = responses.get(question.pk)
        answer = response.answer if response else None
        score = response.score if response and response.score is not None else 0.0
        item: dict[str, Any] = {
            "number": number,
            "kind": KINDS[type(question)],
            "type_label": question.type_label,
            "text_html": render_markdown(question.text),
            "score_percent": round(score * 100),
            "correct": score >= 0.999,
            "explanation_html": render_markdown(question.explanation),
            "source": question.source,
            "competency": question.competency,
            "rows": [],
        }
        if isinstance(question, TrueFalseQuestion):
            given = "True" if answer is True else "False" if answer is False else "No answer"
            feedback = question.feedback_true if answer is True else question.feedback_false if answer is False else ""
            item["rows"].append(
                {
                    "label": f"Your answer: {given}. Correct answer: {'True' if question.correct_answer else 'False'}.",
                    "right": answer == question.correct_answer,
                    "feedback_html": render_markdown(feedback),
                }
            )
        elif isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
            chosen = set(answer or [])
            for option in question.option_list():
                picked = option.pk in chosen
                if picked or option.is_correct:
                    item["rows"].append(
                        {
                            "label": ("You chose: " if picked else "Not chosen: ")
                            + option.text
                            + (" (correct)" if option.is_correct else " (not correct)"),
                            "right": picked == option.is_correct,
                            "feedback_html": render_markdown(option.feedback) if picked or option.is_correct else "",
                        }
                    )
            if isinstance(question, MultipleChoiceQuestion):
                item["rule"] = (
                    "Partial credit: right options chosen minus wrong options chosen, "
                    "divided by the number of right options (never below zero)."
                )
        elif isinstance(question, OrderingQuestion):
            by_id = {o.pk: o for o in question.option_list()}
            given = [by_id[pk].text for pk in (answer or []) if pk in by_id]
            item["rows"].append(
                {
                    "label": "Your order: " + (" → ".join(given) if given else "no answer"),
                    "right": item["correct"],
                    "feedback_html": "",
                }
            )
            item["rows"].append(
                {
                    "label": "Correct order: " + " → ".join(o.text for o in question.option_list()),
                    "right": True,
                    "feedback_html": "",
                }
            )
        elif isinstance(question, MatchingQuestion):
            for option in question.option_list():
                placed = (answer or {}).get(str(option.pk))
                item["rows"].append(
                    {
                        "label": f"{option.text}: you chose {placed or 'nothing'}; correct: {option.category}",
                        "right": placed == option.category,
                        "feedback_html": render_markdown(option.feedback),
                    }
                )
        elif isinstance(question, ScenarioQuestion):
            item["vignette_html"] = render_markdown(question.vignette)
            for part, chosen in question.path(answer or {}):
                options = part.option_list()
                picked = next((o for o in options if o.pk == chosen), None)
                right = next((o for o in options if o.is_correct), None)
                item["rows"].append(
                    {
                        "label": f"{part.text.strip()[:140]} — you chose: {picked.text if picked else 'nothing'}"
                        + (
                            ""
                            if picked is not None and picked.is_correct
                            else f"; a better choice: {right.text if right else ''}"
                        ),
                        "right": picked is not None and picked.is_correct,
                        "feedback_html": render_markdown(picked.feedback if picked else ""),
                    }
                )
            item["rule"] = "Scored on the parts of the path you took: the share answered with a good choice."
        items.append(item)
    return items
