"""Quiz authoring screens in the Wagtail admin: the one-screen quiz editor, question bank import and export
(Moodle XML, GIFT), and "try this quiz" (a throw-away attempt that records nothing).

Who may use them is the quiz snippet's own permission (Django model permissions on Quiz, as the Quizzes
menu); these screens add no other way in. Thin: the form is ``admin_editor``, writing ``admin_authoring``,
files ``formats``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods
from wagtail.permission_policies import ModelPermissionPolicy

from content.sanitize import render_markdown

from . import presenters
from .admin_authoring import (
    add_questions,
    answered_question_ids,
    check_competencies,
    competency_text,
    drafts_from_questions,
    save_quiz,
    saved_row_ids,
)
from .admin_editor import QuizEditor, apply_action, data_for_quiz
from .formats import gift, moodle_xml
from .formats.draft import TYPE_LABELS, ParsedBank
from .forms import parse_answers
from .models import (
    Attempt,
    MatchingQuestion,
    OrderingQuestion,
    Question,
    Quiz,
    Response,
    ScenarioQuestion,
    TrueFalseQuestion,
    attach_options,
)
from .services import clean_answers

quiz_permissions = ModelPermissionPolicy(Quiz)
IMPORT_SESSION_KEY = "quiz_bank_import"
MAX_IMPORT_BYTES = 2_000_000
FORMATS = {"gift": ("GIFT", "txt", "text/plain"), "moodle-xml": ("Moodle XML", "xml", "application/xml")}


def _require(request: HttpRequest, action: str) -> None:
    if not quiz_permissions.user_has_permission(request.user, action):
        raise PermissionDenied(gettext("You may not author quizzes."))


def _quiz(request: HttpRequest, pk: int, action: str = "change") -> Quiz:
    _require(request, action)
    return get_object_or_404(Quiz.objects.select_related("curriculum"), pk=pk)


# ---- the quiz editor ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def quiz_editor(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    quiz = _quiz(request, pk) if pk is not None else None
    if quiz is None:
        _require(request, "add")
    if request.method != "POST":
        return _editor_page(request, QuizEditor(data_for_quiz(quiz), quiz=quiz), show_errors=False)
    data = request.POST.copy()
    action = str(data.get("action", "save"))
    if action != "save":
        anchor = apply_action(data, action)
        return _editor_page(request, QuizEditor(data, quiz=quiz), show_errors=False, anchor=anchor)
    editor = QuizEditor(data, quiz=quiz)
    answered = answered_question_ids(quiz=quiz) if quiz else set()
    rows = saved_row_ids(quiz=quiz) if quiz else {"options": set(), "parts": set()}
    if editor.is_valid(answered=answered, saved_rows=rows):
        try:
            saved = save_quiz(settings_form=editor.settings, drafts=editor.drafts())
        except IntegrityError:
            editor.errors.append(
                gettext("Another change to this quiz was saved at the same time; nothing was saved. Reload.")
            )
        else:
            messages.success(request, f"“{saved.title}” saved with {saved.questions.count()} questions.")
            return redirect("quiz_authoring:edit", pk=saved.pk)
    return _editor_page(request, editor, show_errors=True)


def _editor_page(request: HttpRequest, editor: QuizEditor, *, show_errors: bool, anchor: str = "") -> HttpResponse:
    quiz = editor.quiz
    errors = editor.error_list() if show_errors else []
    return TemplateResponse(
        request,
        "assessments/admin/quiz_editor.html",
        {
            "editor": editor,
            "quiz": quiz,
            "show_errors": show_errors,
            "errors": errors,
            "error_count": len(errors),
            "anchor": anchor,
            "types": list(TYPE_LABELS.items()),
            "formats": [(code, label) for code, (label, _, _) in FORMATS.items()],
        },
        status=200,
    )


# ---- import and export -----------------------------------------------------------------------------------


def _parse(fmt: str, text: str) -> ParsedBank:
    bank = gift.parse(text) if fmt == "gift" else moodle_xml.parse(text)
    check_competencies(bank)
    return bank


@require_http_methods(["GET", "POST"])
def import_bank(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload -> preview of every item and every error (nothing saved) -> apply, from the session's copy."""
    quiz = _quiz(request, pk)
    context: dict[str, Any] = {"quiz": quiz, "formats": [(c, label) for c, (label, _, _) in FORMATS.items()]}
    stored = request.session.get(IMPORT_SESSION_KEY)
    if request.method == "POST" and request.POST.get("action") == "apply":
        if not stored or stored.get("quiz") != quiz.pk:
            messages.error(request, gettext("Upload the file again: the preview has expired."))
            return redirect("quiz_authoring:import", pk=quiz.pk)
        parsed = _parse(stored["format"], stored["text"])
        if parsed.errors or not parsed.questions:
            messages.error(
                request, gettext("This file has errors; correct them and upload it again. Nothing was saved.")
            )
            return redirect("quiz_authoring:import", pk=quiz.pk)
        created = add_questions(quiz=quiz, drafts=parsed.questions)
        del request.session[IMPORT_SESSION_KEY]
        messages.success(request, f"{len(created)} questions added to “{quiz.title}”.")
        return redirect("quiz_authoring:edit", pk=quiz.pk)
    if request.method == "POST":
        fmt = str(request.POST.get("format", ""))
        upload = request.FILES.get("file")
        if fmt not in FORMATS:
            context["error"] = gettext("Choose the file's format.")
        elif upload is None:
            context["error"] = gettext("Choose a file to import.")
        elif upload.size is not None and upload.size > MAX_IMPORT_BYTES:
            context["error"] = gettext("The file is larger than 2 MB; split the question bank.")
        else:
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                context["error"] = gettext("The file is not UTF-8 text. Save it as UTF-8 and upload it again.")
            else:
                parsed = _parse(fmt, text)
                request.session[IMPORT_SESSION_KEY] = {"quiz": quiz.pk, "format": fmt, "text": text}
                context.update(parsed=parsed, format_label=FORMATS[fmt][0], filename=upload.name)
    return TemplateResponse(
        request, "assessments/admin/import.html", context, status=400 if "error" in context else 200
    )


def export_bank(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    quiz = _quiz(request, pk, "view") if fmt in FORMATS else None
    if quiz is None:
        raise Http404("No such format.")
    drafts = drafts_from_questions(attach_options(list(quiz.questions.all())))
    writer = gift.write if fmt == "gift" else moodle_xml.write
    text = writer(title=quiz.title, questions=drafts)
    _, extension, content_type = FORMATS[fmt]
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{quiz.key}.{extension}"'
    return response


# ---- try this quiz ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def try_quiz(request: HttpRequest, pk: int) -> HttpResponse:
    """Every question, as a learner sees it; scored with feedback on "Check my answers". Nothing is stored:
    no attempt, no response, no progress (the attempt object below is never saved)."""
    quiz = _quiz(request, pk, "view")
    questions = attach_options(list(quiz.questions.all()))
    by_id = {q.pk: q for q in questions}
    attempt = Attempt(quiz=quiz, question_ids=list(by_id), option_orders={})  # never saved
    answers: dict[int, Any] = {}
    error = ""
    result = None
    if request.method == "POST":
        try:
            answers = clean_answers(attempt=attempt, raw_answers=parse_answers(request.POST), questions=by_id)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if request.POST.get("action") == "check":
                result = _score(quiz, questions, answers)
    responses = {pk: Response(question_id=pk, answer=answer) for pk, answer in answers.items()}
    return TemplateResponse(
        request,
        "assessments/admin/try.html",
        {
            "quiz": quiz,
            "questions": presenters.questions_for_attempt(attempt, responses),
            "result": result,
            "error": error,
        },
        status=400 if error else 200,
    )


def _score(quiz: Quiz, questions: list[Question], answers: dict[int, Any]) -> dict[str, Any]:
    show = {"questions", "responses", "feedback", "answers"}
    total = 0.0
    items = []
    for number, question in enumerate(questions, start=1):
        answer = answers.get(question.pk)
        score = question.score(answer) if answer not in (None, [], {}) else 0.0
        total += score
        items.append(
            {
                "number": number,
                "type_label": question.type_label,
                "text_html": render_markdown(question.text),
                "score_percent": round(score * 100),
                "correct": score >= 0.999,
                "rows": _rows(question, answer, show),
                "explanation_html": render_markdown(question.explanation),
                "source": question.source,
                "competency": competency_text(question),
            }
        )
    percent = Decimal(100 * total / len(questions)).quantize(Decimal("0.01")) if questions else Decimal(0)
    return {"percent": percent, "passed": percent >= quiz.pass_mark, "items": items}


def _rows(question: Question, answer: Any, show: set[str]) -> list[dict[str, Any]]:
    # The learner's review rows, built by the same presenters the result page uses.
    if isinstance(question, ScenarioQuestion):
        return presenters._scenario_rows(question, answer, show)
    if isinstance(question, TrueFalseQuestion):
        return presenters._truefalse_rows(question, answer, show)
    if isinstance(question, OrderingQuestion):
        return presenters._ordering_rows(question, answer, show)
    if isinstance(question, MatchingQuestion):
        return presenters._matching_rows(question, answer, show)
    # single choice and multiple select share the choice rows
    return presenters._choice_rows(question, answer, show)


def editor_url(quiz: Quiz) -> str:
    return reverse("quiz_authoring:edit", args=[quiz.pk])
