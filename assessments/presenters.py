"""What the quiz pages show, built in Python so templates stay simple and never see an answer key
before submission (the attempt view only ever receives the `*_for_attempt` structures)."""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any, cast

import bleach
from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from competencies.models import Competency
from competencies.queries import lessons_for
from content.sanitize import render_markdown

from .models import (
    Attempt,
    MatchingQuestion,
    MultipleChoiceQuestion,
    Option,
    OrderingQuestion,
    Question,
    Response,
    ScenarioQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
    attach_options,
    load_questions,
    translated,
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
    by_id = {q.pk: q for q in load_questions(attempt.question_ids)}
    return attach_options([by_id[pk] for pk in attempt.question_ids if pk in by_id])


# Phrasing content only: an option's text sits inside a <label>, where a <p> or a list is invalid HTML.
_INLINE_TAGS = {"a", "abbr", "b", "br", "code", "em", "i", "strong", "sub", "sup"}


def render_inline(text: str) -> SafeString:
    """Option markdown rendered without block elements (paragraphs become line breaks)."""
    return mark_safe(_inline_html(text))  # noqa: S308 - sanitised twice by bleach, inline tags only


@lru_cache(maxsize=8192)
def _inline_html(text: str) -> str:
    """The same text always gives the same HTML, and cleaning each option again was a quarter of the attempt
    page's time (bench/profile_page.py): each process keeps the most recent results, as render_markdown does."""
    html = str(render_markdown(text)).strip()
    html = html.replace("</p>\n<p>", "<br>").replace("</li>\n<li>", "<br>")
    clean = bleach.clean(html, tags=_INLINE_TAGS, attributes={"a": ["href", "title"], "abbr": ["title"]}, strip=True)
    return clean.strip()


def _choice(option_id: int, html: str, *, checked: bool) -> dict[str, Any]:
    """One option as the form shows it; its id as text, which the template prints as it is (an int would go
    through number formatting at each of its four uses)."""
    return {"id": str(option_id), "html": html, "checked": checked}


def _ordered_options(attempt: Attempt, question: Question) -> list[Option]:
    options = question.option_list()
    order = attempt.option_orders.get(str(question.pk))
    if isinstance(question, OrderingQuestion):
        # The right order is the stored order, so it is always shown shuffled (stable per attempt).
        options = list(options)
        random.Random(f"{attempt.pk}:{question.pk}").shuffle(options)  # noqa: S311 - display order only
    elif order:
        position = {pk: i for i, pk in enumerate(order)}
        options = sorted(options, key=lambda o: position.get(o.pk, len(position)))
    return list(options)


def _with_answer(question: Question, options: list[Option], answer: Any) -> list[dict[str, Any]]:
    """The options with what the learner saved marked: checked choices, or each item's chosen position or
    category as the list of choices its select offers (worked out here, not by loops in the template)."""
    listed = isinstance(answer, list)
    shown = []
    for option in options:
        pk = option.pk
        html = render_inline(translated(option, "text"))
        if isinstance(question, OrderingQuestion):
            position = answer.index(pk) + 1 if listed and pk in answer else None
            item = _choice(pk, html, checked=False)
            item["choices"] = [(str(n), n == position) for n in range(1, len(options) + 1)]
        elif isinstance(question, MatchingQuestion):
            category = answer.get(str(pk)) if isinstance(answer, dict) else None
            item = _choice(pk, html, checked=False)
            item["choices"] = [(c, c == category) for c in question.categories]
        else:
            item = _choice(pk, html, checked=listed and pk in answer)
        shown.append(item)
    return shown


def questions_for_attempt(attempt: Attempt, responses: dict[int, Response]) -> list[dict[str, Any]]:
    """The attempt form: question text, options (no correctness, no categories of items, no order key)."""
    items = []
    for number, question in enumerate(attempt_questions(attempt), start=1):
        saved = responses.get(question.pk)
        answer = saved.answer if saved else None
        item: dict[str, Any] = {
            "id": str(question.pk),
            "number": number,
            "kind": KINDS[type(question)],
            "type_label": question.type_label,
            "text_html": render_markdown(translated(question, "text")),
            "answer": answer,
        }
        if isinstance(question, ScenarioQuestion):
            item["vignette_html"] = render_markdown(translated(question, "vignette"))
            item["parts"] = [
                {
                    "key": part.key,
                    "text_html": render_markdown(translated(part, "text")),
                    "options": [
                        _choice(o.pk, render_inline(translated(o, "text")), checked=chosen == o.pk)
                        for o in part.option_list()
                    ],
                }
                for part, chosen in question.path(answer or {})
            ]
            item["branching"] = any(o.next_part for p in question.ordered_parts() for o in p.option_list())
        elif not isinstance(question, TrueFalseQuestion):
            item["options"] = _with_answer(question, _ordered_options(attempt, question), answer)
        items.append(item)
    return items


def review_moment(attempt: Attempt) -> str:
    """Which review setting applies: after passing, after the last allowed attempt, or after a failure."""
    if attempt.passed:
        return "passed"
    return "last" if attempt.was_last else "failed"


def review_settings(attempt: Attempt) -> set[str]:
    """What this attempt's learner may see, from the policy the attempt started under."""
    return set(attempt.rules()["review"].get(review_moment(attempt), []))


def _row(label: str, right: bool | None = None, feedback: str = "") -> dict[str, Any]:
    return {"label": label, "right": right, "feedback_html": render_markdown(feedback)}


def _choice_rows(question: Question, answer: Any, show: set[str]) -> list[dict[str, Any]]:
    chosen = set(answer or [])
    rows = []
    for option in question.option_list():
        picked = option.pk in chosen
        key = "answers" in show
        feedback = (
            translated(option, "feedback") if "feedback" in show and (picked or (key and option.is_correct)) else ""
        )
        if picked and "responses" in show:
            if not key:
                label = _("You chose: %(option)s") % {"option": translated(option, "text")}
            elif option.is_correct:
                label = _("You chose: %(option)s (correct)") % {"option": translated(option, "text")}
            else:
                label = _("You chose: %(option)s (not correct)") % {"option": translated(option, "text")}
            rows.append(_row(label, option.is_correct if key else None, feedback))
        elif key and option.is_correct:
            rows.append(_row(_("Correct answer: %(option)s") % {"option": translated(option, "text")}, True, feedback))
        elif feedback:
            rows.append(_row(_("Feedback on your answer:"), None, feedback))
    if "responses" in show and not chosen:
        rows.insert(0, _row(_("You gave no answer.")))
    return rows


def _truefalse_rows(question: TrueFalseQuestion, answer: Any, show: set[str]) -> list[dict[str, Any]]:
    rows = []
    if "responses" in show:
        given = _("True") if answer is True else _("False") if answer is False else _("no answer")
        rows.append(_row(_("Your answer: %(answer)s.") % {"answer": given}))
    if "answers" in show:
        correct = _("True") if question.correct_answer else _("False")
        rows.append(_row(_("Correct answer: %(option)s.") % {"option": correct}, True))
    if "feedback" in show and answer is not None:
        rows.append(
            _row(
                _("Feedback:"),
                None,
                translated(question, "feedback_true") if answer else translated(question, "feedback_false"),
            )
        )
    return rows


def _ordering_rows(question: OrderingQuestion, answer: Any, show: set[str]) -> list[dict[str, Any]]:
    by_id = {o.pk: o for o in question.option_list()}
    rows = []
    if "responses" in show:
        given = [translated(by_id[pk], "text") for pk in (answer or []) if pk in by_id]
        order = " → ".join(given) if given else _("no answer")
        rows.append(_row(_("Your order: %(order)s") % {"order": order}))
    if "answers" in show:
        correct = " → ".join(translated(o, "text") for o in question.option_list())
        rows.append(_row(_("Correct order: %(order)s") % {"order": correct}, True))
    return rows


def _matching_rows(question: MatchingQuestion, answer: Any, show: set[str]) -> list[dict[str, Any]]:
    rows = []
    for option in question.option_list():
        placed = (answer or {}).get(str(option.pk))
        parts = [translated(option, "text")]
        if "responses" in show:
            parts.append(_("you chose %(category)s") % {"category": placed or _("nothing")})
        if "answers" in show:
            parts.append(_("correct: %(category)s") % {"category": option.category})
        feedback = translated(option, "feedback") if "feedback" in show else ""
        if len(parts) > 1 or feedback:
            right = placed == option.category if "answers" in show else None
            rows.append(_row("; ".join(parts), right, feedback))
    return rows


def _scenario_rows(question: ScenarioQuestion, answer: Any, show: set[str]) -> list[dict[str, Any]]:
    rows = []
    for part, chosen in question.path(answer or {}):
        options = part.option_list()
        picked = next((o for o in options if o.pk == chosen), None)
        better = next((o for o in options if o.is_correct), None)
        label = translated(part, "text").strip()[:140]
        if "responses" in show:
            label += _(" — you chose: %(option)s") % {"option": translated(picked, "text") if picked else _("nothing")}
        if "answers" in show and not (picked is not None and picked.is_correct):
            label += _("; a better choice: %(option)s") % {"option": translated(better, "text") if better else ""}
        right = (picked is not None and picked.is_correct) if "answers" in show else None
        feedback = translated(picked, "feedback") if "feedback" in show and picked else ""
        if show & {"responses", "answers"} or feedback:
            rows.append(_row(label, right, feedback))
    return rows


def review_for_attempt(attempt: Attempt, show: set[str] | None = None) -> list[dict[str, Any]]:
    """After submission only, and only what the review setting in force allows: which questions were right
    or wrong ("questions"), the learner's answers ("responses"), per-option feedback ("feedback"), the
    correct answers with explanations and sources ("answers"). Nothing else reaches the template, so a
    page can never show the key before the policy allows it."""
    show = review_settings(attempt) if show is None else show
    if not show & {"questions", "responses", "feedback", "answers"}:
        return []
    responses = {r.question_id: r for r in Response.objects.filter(attempt=attempt)}
    questions = attempt_questions(attempt)
    competencies = Competency.objects.in_bulk({q.competency_id for q in questions if q.competency_id})
    items = []
    for number, question in enumerate(questions, start=1):
        response = responses.get(question.pk)
        answer = response.answer if response else None
        score = response.score if response and response.score is not None else 0.0
        item: dict[str, Any] = {
            "number": number,
            "type_label": question.type_label,
            "text_html": render_markdown(translated(question, "text")),
            "marked": "questions" in show,
            "score_percent": round(score * 100),
            "correct": score >= 0.999,
            "explanation_html": render_markdown(translated(question, "explanation")) if "answers" in show else "",
            "source": question.source if "answers" in show else "",
            "competency": _competency_label(competencies.get(question.competency_id or 0)),
        }
        if isinstance(question, ScenarioQuestion):
            item["vignette_html"] = render_markdown(translated(question, "vignette"))
            item["rows"] = _scenario_rows(question, answer, show)
            item["rule"] = _("Scored on the parts of the path you took: the share answered with a good choice.")
        elif isinstance(question, TrueFalseQuestion):
            item["rows"] = _truefalse_rows(question, answer, show)
        elif isinstance(question, OrderingQuestion):
            item["rows"] = _ordering_rows(question, answer, show)
        elif isinstance(question, MatchingQuestion):
            item["rows"] = _matching_rows(question, answer, show)
        else:
            item["rows"] = _choice_rows(question, answer, show)
            if isinstance(question, MultipleChoiceQuestion):
                item["rule"] = _(
                    "Partial credit: right options chosen minus wrong options chosen, "
                    "divided by the number of right options (never below zero)."
                )
        items.append(item)
    return items


def _competency_label(competency: Competency | None) -> str:
    return f"{competency.description} ({competency.code})" if competency is not None else ""


def competencies_to_revisit(attempt: Attempt) -> list[dict[str, Any]]:
    """The competencies of the questions not fully right, in framework order, each with links to the
    lessons mapped to it in this curriculum (else the curriculum's outline). Never says which question or
    answer was wrong."""
    scores = dict(Response.objects.filter(attempt=attempt).values_list("question_id", "score"))
    weak: set[int] = set()
    base_questions = Question.objects.filter(pk__in=attempt.question_ids).non_polymorphic().only("competency_id")
    for question in cast("QuerySet[Question]", base_questions):
        if (scores.get(question.pk) or 0.0) < 0.999 and question.competency_id:
            weak.add(question.competency_id)
    if not weak:
        return []
    curriculum = attempt.quiz.curriculum
    lessons = lessons_for(competency_ids=weak, curriculum=curriculum) if curriculum is not None else {}
    fallback = (
        [{"title": _("%(curriculum)s: the outline") % {"curriculum": curriculum.title}, "url": curriculum.url}]
        if curriculum
        else []
    )
    result = []
    for competency in Competency.objects.filter(pk__in=weak):
        links = [{"title": page.localized.title, "url": page.localized.url} for page in lessons.get(competency.pk, [])]
        result.append({"competency": competency.description, "code": competency.code, "lessons": links or fallback})
    return result
