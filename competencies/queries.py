"""Reads of the competency framework: which competencies a curriculum claims, which lessons teach them, and
the evidence of who has demonstrated them (learner, agency, program) in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable

from curricula.models import CurriculumPage, LessonPage

from .models import Competency


def competencies_of(*, curriculum: CurriculumPage) -> list[Competency]:
    """The competencies a curriculum claims, in framework order (certificates and badges cite their codes)."""
    return list(Competency.objects.filter(curricula=curriculum).order_by("position", "code"))


def lessons_for(
    *, competency_ids: Iterable[int], curriculum: CurriculumPage | None = None
) -> dict[int, list[LessonPage]]:
    """The live lessons mapped to each competency, in outline order (within one curriculum if given):
    where a learner who has not shown a competency is sent. Two queries."""
    wanted = set(competency_ids)
    if not wanted:
        return {}
    lessons = LessonPage.objects.live()
    if curriculum is not None:
        lessons = lessons.descendant_of(curriculum)
    through = LessonPage.competencies.through
    pairs = list(
        through.objects.filter(competency_id__in=wanted, lessonpage__in=lessons).values_list(
            "competency_id", "lessonpage_id"
        )
    )
    pages = {page.pk: page for page in LessonPage.objects.filter(pk__in={lesson for _, lesson in pairs})}
    result: dict[int, list[LessonPage]] = {}
    for competency_id, lesson_id in pairs:
        result.setdefault(competency_id, []).append(pages[lesson_id])
    for found in result.values():
        found.sort(key=lambda page: page.path)
    return result
