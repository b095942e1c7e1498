"""The framework file (content/source/competencies.yaml) and the mappings that name it: every fault is a clear
SourceError naming the file and the competency, and reloading changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from agencies.models import ServiceCategory
from assessments.models import Question
from competencies.legacy import LEGACY, competency_for_text
from competencies.loader import check_framework, load_competencies
from competencies.models import Competency
from content.source_files import SOURCE_DIR, SourceError, load_references
from content.upsert import LoadReport
from curricula.loader import competencies_named, load_curriculum
from curricula.models import CatalogPage, CurriculumPage, LessonPage

REFERENCES = load_references()
FRAMEWORK = yaml.safe_load((SOURCE_DIR / "competencies.yaml").read_text())["competencies"]


def spec(**changes):
    return {**FRAMEWORK[0], **changes}


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([spec(), spec()], "competency code SC-1 is used twice"),
        ([spec(domain="cooking")], "competency SC-1: unknown domain 'cooking'"),
        ([spec(sources=[{"key": "no-such-source"}])], "unknown reference key 'no-such-source'"),
        ([spec(description="")], "competency SC-1: missing description"),
        ([spec(short_name="x" * 81)], "too long"),
        (["SC-1"], "competency #1 must be a mapping"),
    ],
)
def test_a_bad_framework_entry_is_refused_with_its_code(specs, message):
    with pytest.raises(SourceError) as error:
        check_framework(specs, REFERENCES, "competencies.yaml")
    assert message in str(error.value)


def test_the_real_framework_covers_six_domains_and_cites_a_source_for_each():
    check_framework(FRAMEWORK, REFERENCES, "competencies.yaml")
    assert len({c["domain"] for c in FRAMEWORK}) == 6
    assert all(c["sources"] for c in FRAMEWORK)


@pytest.mark.django_db
def test_reloading_the_framework_changes_nothing_and_an_edit_updates_in_place():
    report = LoadReport()
    framework = load_competencies(REFERENCES, report)
    assert not report.created and not report.updated and len(report.unchanged) == len(FRAMEWORK)
    Competency.objects.filter(code="MI-2").update(description="Edited in the admin", source_hash="")
    report = LoadReport()
    load_competencies(REFERENCES, report)
    assert report.updated == ["Competency MI-2"]
    assert Competency.objects.get(code="MI-2").description.startswith("Use open questions")
    assert framework["MI-2"].pk == Competency.objects.get(code="MI-2").pk


@pytest.mark.django_db
def test_every_lesson_and_every_item_of_the_real_content_is_mapped():
    assert not LessonPage.objects.filter(competencies=None).exists()
    assert not Question.objects.filter(competency=None).exists()
    for curriculum in CurriculumPage.objects.all():
        claimed = set(curriculum.competencies.values_list("code", flat=True))
        assert claimed, curriculum.code
        taught = set(Competency.objects.filter(lessons__in=curriculum.lessons()).values_list("code", flat=True))
        assert claimed <= taught, curriculum.code


@pytest.mark.django_db
def test_an_unknown_code_is_refused_by_name():
    framework = {c.code: c for c in Competency.objects.all()}
    with pytest.raises(SourceError, match="unknown competency code\\(s\\) XX-9"):
        competencies_named(["SC-1", "XX-9"], framework, "lesson.md")
    with pytest.raises(SourceError, match="competencies must be a list of framework codes"):
        competencies_named(None, framework, "lesson.md")


@pytest.mark.django_db
def test_a_competency_no_lesson_teaches_is_refused(tmp_path: Path):
    folder = tmp_path / "CMTP-101"
    shutil.copytree(SOURCE_DIR / "curricula" / "CMTP-101", folder)
    lesson = folder / "lessons" / "01-case-management-in-ryan-white.md"
    lesson.write_text(lesson.read_text().replace("competencies: [SC-1]", "competencies: [SC-2]"))
    with pytest.raises(SourceError, match="no lesson teaches competency SC-1"):
        load_curriculum(
            folder,
            CatalogPage.objects.get(locale__language_code="en"),
            {c.code: c for c in ServiceCategory.objects.all()},
            REFERENCES,
            LoadReport(),
            framework={c.code: c for c in Competency.objects.all()},
        )


@pytest.mark.django_db
def test_the_migration_maps_old_texts_to_framework_codes():
    cache: dict = {}
    text = next(t for t, (code, _, _) in LEGACY.items() if code == "MI-2")
    assert competency_for_text(Competency, text, cache).code == "MI-2"
    assert competency_for_text(Competency, "", cache) is None
    made = competency_for_text(Competency, "Something nobody mapped", cache)
    assert (made.code, made.description) == ("LEGACY-1", "Something nobody mapped")
    assert competency_for_text(Competency, "Something nobody mapped", {}).pk == made.pk  # found again by text
