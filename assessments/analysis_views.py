"""Item analysis pages for training coordinators."""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from agencies.access import require_coordinator
from competencies.models import Competency
from config.csvutil import Echo, safe_cell

from .analysis import MIN_RESPONSES, item_analysis
from .models import Question, Quiz


def _edit_url(question: Question) -> str:
    """The quiz screen, where a question is edited with its options, parts and branches (the per-type pages
    cannot edit a scenario's choices)."""
    return reverse("quiz_authoring:edit", args=[question.quiz_id]) + "#questions-heading"


def item_analysis_page(request: HttpRequest, key: str) -> HttpResponse:
    require_coordinator(request.user)
    quiz = get_object_or_404(Quiz, key=key)
    attempts, stats = item_analysis(quiz)
    items = [{"stats": item, "edit_url": _edit_url(item.question)} for item in stats]
    return render(
        request,
        "assessments/analysis.html",
        {"quiz": quiz, "attempts": attempts, "items": items, "min_responses": MIN_RESPONSES},
    )


def item_analysis_csv(request: HttpRequest, key: str) -> StreamingHttpResponse:
    require_coordinator(request.user)
    quiz = get_object_or_404(Quiz, key=key)
    attempts, stats = item_analysis(quiz)
    writer = csv.writer(Echo())
    codes = dict(Competency.objects.values_list("pk", "code"))

    def rows():
        yield writer.writerow(
            [
                "question_key",
                "type",
                "competency",
                "responses",
                "facility",
                "discrimination",
                "option",
                "times_chosen",
                "correct",
                "flags",
            ]
        )
        for item in stats:
            base = [
                item.question.key,
                item.question.type_label,
                codes.get(item.question.competency_id or 0, ""),
                item.responses,
                "" if item.facility is None else f"{item.facility:.3f}",
                "" if item.discrimination is None else f"{item.discrimination:.3f}",
            ]
            flags = " ".join(item.flags)
            if not item.option_counts:
                yield writer.writerow([safe_cell(v) for v in [*base, "", "", "", flags]])
            for label, count, correct in item.option_counts:
                row = [*base, label, count, "yes" if correct else "no", flags]
                yield writer.writerow([safe_cell(v) for v in row])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="item-analysis-{quiz.key}.csv"'
    return response


def analysis_index(request: HttpRequest) -> HttpResponse:
    require_coordinator(request.user)
    quizzes = Quiz.objects.select_related("curriculum").order_by("key")
    return render(request, "assessments/analysis_index.html", {"quizzes": quizzes})
