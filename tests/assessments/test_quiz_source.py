"""The quiz header in content/source/quizzes/*.yaml: review settings, waits and the bank's
coverage of the curriculum's competencies are checked when the file loads, with an error naming the fault."""

from pathlib import Path

import pytest
import yaml

from assessments.loader import load_quiz_file
from assessments.models import SAFE_REVIEW, Quiz
from content.source_files import SOURCE_DIR, SourceError, load_references
from content.upsert import LoadReport

pytestmark = pytest.mark.django_db

REAL = SOURCE_DIR / "quizzes" / "CMTP-101.yaml"


def load_with(tmp_path: Path, change) -> Quiz:
    data = yaml.safe_load(REAL.read_text())
    change(data)
    path = tmp_path / "CMTP-101.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return load_quiz_file(path, load_references(), LoadReport())


def test_the_review_header_is_loaded(tmp_path):
    def change(data):
        data["quiz"]["review"] = {"failed": ["score"], "passed": ["score", "answers"]}

    quiz = load_with(tmp_path, change)
    assert quiz.review_failed == ["score"]
    assert quiz.review_last == SAFE_REVIEW["last"]  # a moment left out takes the safe default
    assert quiz.review_passed == ["score", "answers"]


def test_no_review_header_means_the_safe_default(tmp_path):
    quiz = load_with(tmp_path, lambda data: data["quiz"].pop("review"))
    assert [quiz.review_failed, quiz.review_last, quiz.review_passed] == [
        SAFE_REVIEW["failed"],
        SAFE_REVIEW["last"],
        SAFE_REVIEW["passed"],
    ]


@pytest.mark.parametrize(
    ("review", "message"),
    [
        ({"failed": ["score", "key"]}, "review failed: unknown setting(s) key; allowed: score, competencies"),
        ({"afterwards": ["score"]}, "review has unknown moment(s) afterwards"),
        ({"passed": "everything"}, "review passed must be a list"),
        (["score"], "review must be a mapping"),
    ],
)
def test_a_bad_review_header_is_refused_with_a_clear_error(tmp_path, review, message):
    def change(data):
        data["quiz"]["review"] = review

    with pytest.raises(SourceError) as error:
        load_with(tmp_path, change)
    assert message in str(error.value)


def test_an_item_with_a_competency_the_curriculum_does_not_claim_is_refused(tmp_path):
    def change(data):
        data["questions"][0]["competency"] = "MI-2"  # a framework code CMTP-101 does not claim

    with pytest.raises(SourceError, match="is not one of the curriculum's competencies"):
        load_with(tmp_path, change)


def test_a_bank_missing_a_competency_is_refused(tmp_path):
    first = yaml.safe_load(REAL.read_text())["questions"][0]["competency"]

    def change(data):
        data["questions"] = [q for q in data["questions"] if q["competency"] != first]

    with pytest.raises(SourceError, match="the bank has no question for competency"):
        load_with(tmp_path, change)


def test_a_draw_smaller_than_the_competencies_is_refused(tmp_path):
    def change(data):
        data["quiz"]["draw"] = 3  # CMTP-101 claims four competencies

    with pytest.raises(SourceError, match="draw 3 is smaller than the curriculum's 4 competencies"):
        load_with(tmp_path, change)


def test_a_revisit_block_is_refused_because_lessons_name_their_competencies(tmp_path):
    def change(data):
        data["quiz"]["revisit"] = {"SC-1": ["rw-case-management-purpose"]}

    with pytest.raises(SourceError, match="'revisit' is no longer used"):
        load_with(tmp_path, change)


def test_the_wait_rule_is_loaded(tmp_path):
    def change(data):
        data["quiz"]["wait_minutes"] = 60
        data["quiz"]["wait_after_failures"] = 1

    quiz = load_with(tmp_path, change)
    assert (quiz.wait_minutes, quiz.wait_after_failures) == (60, 1)
