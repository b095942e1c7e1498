"""Question bank files coordinators already have: GIFT and Moodle XML, read with line-numbered problems,
written back, and imported through a preview that saves nothing until applied (in one transaction)."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.admin_authoring import drafts_from_questions
from assessments.formats import gift, moodle_xml
from assessments.models import Option, Question, Quiz, attach_options

from . import authoring_support
from .builders import full_quiz

# The editor round trip reads the screen's form from response.context (tests/assessments/authoring_support.py).
pytestmark = pytest.mark.template_context

author = authoring_support.author

GIFT_BANK = """// A bank from Moodle
$CATEGORY: $course$/top/Intake

// competency: SC-2
::plan::[markdown]Which plan does **MCM** use? {
=Comprehensive Treatment Plan#Yes.
~Individual Service Plan#That is NMCM.
####MCM uses a CTP.
}

::acts::Pick MCM activities {
~%50%Adherence counselling
~%50%Treatment planning
~%-100%Legal referral only
}

::six-months::Plans are re-evaluated every six months.{TRUE#No: they are.#Right.}

::sort::Sort each service {
=Adherence counselling -> MCM
=Housing application help -> NMCM
=Treatment plan -> MCM
}

::escaped::Is 2 \\= 2 \\{really\\}? {=Yes \\# sure ~No}
"""


def test_gift_reads_every_supported_type_with_feedback_weights_and_escapes():
    bank = gift.parse(GIFT_BANK)
    assert bank.errors == [] and bank.unsupported == []
    plan, acts, tf, sort, escaped = bank.questions
    assert (plan.type, plan.key, plan.text, plan.explanation, plan.competency) == (
        "single",
        "plan",
        "Which plan does **MCM** use?",
        "MCM uses a CTP.",
        "SC-2",
    )
    assert [(o.text, o.is_correct, o.feedback) for o in plan.options] == [
        ("Comprehensive Treatment Plan", True, "Yes."),
        ("Individual Service Plan", False, "That is NMCM."),
    ]
    assert acts.type == "multiple" and [o.is_correct for o in acts.options] == [True, True, False]
    assert (tf.type, tf.correct_answer, tf.feedback_true, tf.feedback_false) == (
        "truefalse",
        True,
        "Right.",
        "No: they are.",
    )
    assert sort.type == "matching" and sort.categories == ["MCM", "NMCM"]
    assert [(o.text, o.category) for o in sort.options][1] == ("Housing application help", "NMCM")
    assert escaped.text == "Is 2 = 2 {really}?" and escaped.options[0].text == "Yes # sure"
    assert plan.line == 5 and acts.line == 11


def test_gift_reports_unsupported_types_and_malformed_questions_by_line():
    text = """::essay::Describe your intake. {}

::num::How many days? {#30}

::short::Name the plan {=CTP =Comprehensive Treatment Plan}

A description with no answers.

::broken::Which plan? {
=CTP
~ISP

::no-marker::Pick one {A ~C}

::ok::Fine {=yes ~no}
"""
    bank = gift.parse(text)
    assert [q.key for q in bank.questions] == ["ok"]
    assert [(p.line, p.message.split(":")[0]) for p in bank.unsupported] == [
        (1, "“essay”"),
        (3, "“num”"),
        (5, "“short”"),
        (7, "A description (no answers in {…}) is not a question"),
    ]
    lines = {p.line: p.message for p in bank.errors}
    assert "not closed with }" in lines[9]
    assert lines[13] == "“no-marker”: each answer starts with = (right) or ~ (wrong)."


def test_gift_of_something_else_says_so():
    bank = gift.parse("hello world")
    assert bank.questions == [] and bank.unsupported[0].message.startswith("A description")
    assert gift.parse("   \n\n").errors[0].message == "No questions found: is this a GIFT file?"


MOODLE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <!-- <question type="essay"> in a comment does not count -->
  <question type="category"><category><text>$course$/top/Intake</text></category></question>
  <question type="multichoice">
    <name><text>Which plan</text></name>
    <questiontext format="html"><text><![CDATA[<p>Which plan does <question> MCM use?</p>]]></text></questiontext>
    <generalfeedback format="html"><text>MCM uses a CTP.</text></generalfeedback>
    <single>true</single>
    <answer fraction="100"><text>CTP</text><feedback><text>Yes</text></feedback></answer>
    <answer fraction="0"><text>ISP</text><feedback><text>NMCM</text></feedback></answer>
  </question>
  <question type="shortanswer">
    <name><text>Name it</text></name>
    <questiontext><text>Name the plan</text></questiontext>
  </question>
  <question type="multichoice">
    <name><text>acts</text></name>
    <questiontext><text>Pick MCM activities</text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>Adherence</text></answer>
    <answer fraction="50"><text>Planning</text></answer>
    <answer fraction="-100"><text>Legal only</text></answer>
  </question>
  <question type="truefalse">
    <name><text>six</text></name>
    <questiontext><text>Every six months</text></questiontext>
    <answer fraction="0"><text>true</text><feedback><text>No</text></feedback></answer>
    <answer fraction="100"><text>false</text><feedback><text>Right</text></feedback></answer>
  </question>
  <question type="ordering">
    <name><text>steps</text></name>
    <questiontext><text>Order the steps</text></questiontext>
    <answer fraction="1"><text>Intake</text></answer>
    <answer fraction="2"><text>Assessment</text></answer>
  </question>
  <question type="matching">
    <name><text>sort</text></name>
    <questiontext><text>Sort</text></questiontext>
    <subquestion><text>Adherence</text><answer><text>MCM</text></answer></subquestion>
    <subquestion><text>Housing</text><answer><text>NMCM</text></answer></subquestion>
    <subquestion><text></text><answer><text>Other</text></answer></subquestion>
  </question>
  <question type="multichoice">
    <name><text>bad single</text></name>
    <questiontext><text>Half right?</text></questiontext>
    <single>true</single>
    <answer fraction="50"><text>A</text></answer>
    <answer fraction="50"><text>B</text></answer>
  </question>
  <question type="ddwtos"><name><text>drag</text></name><questiontext><text>Drag</text></questiontext></question>
</quiz>
"""


def line_of(text: str) -> int:
    return next(n for n, line in enumerate(MOODLE_XML.splitlines(), start=1) if text in line)


def test_moodle_xml_reads_supported_types_and_reports_the_rest_with_lines():
    bank = moodle_xml.parse(MOODLE_XML)
    assert [(q.key, q.type) for q in bank.questions] == [
        ("which-plan", "single"),
        ("acts", "multiple"),
        ("six", "truefalse"),
        ("steps", "ordering"),
        ("sort", "matching"),
    ]
    plan = bank.questions[0]
    assert plan.text == "<p>Which plan does <question> MCM use?</p>" and plan.line == 5
    assert [o.is_correct for o in bank.questions[1].options] == [True, True, False]
    six = bank.questions[2]
    assert (six.correct_answer, six.feedback_true, six.feedback_false) == (False, "No", "Right")
    assert bank.questions[4].categories == ["MCM", "NMCM", "Other"] and len(bank.questions[4].options) == 2
    assert [(p.line, p.message) for p in bank.unsupported] == [
        (
            line_of('<question type="shortanswer">'),
            "“Name it”: short answer questions are not supported: not imported.",
        ),
        (
            line_of('<question type="ddwtos">'),
            "“drag”: drag and drop into text questions are not supported: not imported.",
        ),
    ]
    bad = line_of("<name><text>bad single</text></name>") - 1
    assert [(p.line, "partial credit" in p.message) for p in bank.errors] == [(bad, True)]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            "<quiz>\n<question type='truefalse'>\n<name><text>x</text></name>\n</quiz>",
            4,
            "Not well-formed XML at line 4",
        ),
        ("<questions/>", 1, "starts with <quiz>"),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
            "<quiz><question type='truefalse'><name><text>&b;</text></name></question></quiz>",
            1,
            "refused for safety",
        ),
        ("<quiz></quiz>", 1, "No questions found"),
        (
            "<quiz>\n<question type='truefalse'>\n<name><text>t</text></name>\n"
            "<answer fraction='100'><text>maybe</text></answer></question></quiz>",
            2,
            "must be “true” or “false”",
        ),
    ],
)
def test_malformed_moodle_xml_is_reported_with_its_line(text, line, words):
    bank = moodle_xml.parse(text)
    assert bank.questions == []
    assert bank.errors[0].line == line and words in bank.errors[0].message


def _comparable(drafts):
    out = []
    for draft in drafts:
        data = dataclasses.asdict(draft)
        data.pop("id"), data.pop("line")
        for option in data["options"]:
            option.pop("id")
        for part in data["parts"]:
            part.pop("id")
            for option in part["options"]:
                option.pop("id")
        out.append(data)
    return out


def _drafts(quiz):
    return drafts_from_questions(attach_options(list(Question.objects.filter(quiz=quiz))))


@pytest.mark.django_db
@pytest.mark.parametrize(("fmt", "kept"), [("moodle-xml", 6), ("gift", 4)])
def test_round_trip_export_then_import_into_a_new_quiz_gives_the_same_questions(author, fmt, kept):
    source, _ = full_quiz()
    exported = author.get(f"/admin/quizzes/{source.pk}/export/{fmt}/")
    assert exported.status_code == 200
    assert exported["Content-Disposition"].startswith(f'attachment; filename="{source.key}.')
    target = Quiz.objects.create(key="copy", title="Copy")
    upload = SimpleUploadedFile("bank", exported.content)
    preview = author.post(f"/admin/quizzes/{target.pk}/import/", {"format": fmt, "file": upload, "action": "preview"})
    assert preview.status_code == 200
    assert not target.questions.exists()  # the preview saves nothing
    html = preview.content.decode()
    assert f"Add these {kept} questions" in html
    if fmt == "gift":  # GIFT has no ordering or scenario: the export says so at the top
        assert "Not exported (GIFT has no such question type): order (Ordering), scen (Case scenario" in (
            exported.content.decode()
        )
    applied = author.post(f"/admin/quizzes/{target.pk}/import/", {"action": "apply"})
    assert applied.status_code == 302 and applied["Location"] == f"/admin/quizzes/{target.pk}/"
    expected = [d for d in _comparable(_drafts(source)) if fmt != "gift" or d["type"] not in ("ordering", "scenario")]
    assert _comparable(_drafts(target)) == expected


@pytest.mark.django_db
def test_an_import_with_errors_shows_them_all_and_cannot_be_applied(author):
    quiz, _ = full_quiz()
    before = Question.objects.filter(quiz=quiz).count()
    text = "::ok::Fine {=yes ~no}\n\n::bad::Broken {\n=yes\n\n::essay::Tell me {}\n"
    upload = SimpleUploadedFile("bank.gift", text.encode())
    preview = author.post(f"/admin/quizzes/{quiz.pk}/import/", {"format": "gift", "file": upload, "action": "preview"})
    html = preview.content.decode()
    assert "Line 3: The answers opened with { are not closed with }." in html
    assert "Line 6: “essay”: essay questions are not supported: not imported." in html
    assert 'value="apply"' not in html
    refused = author.post(f"/admin/quizzes/{quiz.pk}/import/", {"action": "apply"})
    assert refused.status_code == 302
    assert Question.objects.filter(quiz=quiz).count() == before


@pytest.mark.django_db
def test_imported_keys_that_the_quiz_already_uses_are_renamed_not_overwritten(author):
    quiz, parts = full_quiz()
    upload = SimpleUploadedFile("bank.gift", b"::single::Another {=a ~b}\n")
    author.post(f"/admin/quizzes/{quiz.pk}/import/", {"format": "gift", "file": upload, "action": "preview"})
    author.post(f"/admin/quizzes/{quiz.pk}/import/", {"action": "apply"})
    assert list(quiz.questions.values_list("key", flat=True))[-1] == "single-2"
    assert Option.objects.get(pk=parts["single"][1].pk).text == "Comprehensive Treatment Plan"


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_or_too_large_gets_a_clear_message(author):
    quiz, _ = full_quiz()
    upload = SimpleUploadedFile("bank.gift", "::q::Ça {=oui ~non}".encode("latin-1"))
    response = author.post(f"/admin/quizzes/{quiz.pk}/import/", {"format": "gift", "file": upload})
    assert response.status_code == 400 and "not UTF-8" in response.content.decode()
    response = author.post(f"/admin/quizzes/{quiz.pk}/import/", {"format": "docx", "file": upload})
    assert response.status_code == 400


def test_gift_writes_special_characters_and_line_breaks_so_they_read_back_the_same():
    from assessments.formats.draft import OptionDraft, QuestionDraft  # noqa: PLC0415 - test-only

    question = QuestionDraft(
        type="single",
        key="tricky",
        text="Is {x} = ~y # z: a\\b?\nSecond line.",
        explanation="Because: {reasons}.",
        competency="MI-2",
        source="Seed 001, p. 3",
        options=[
            OptionDraft(text="=yes", is_correct=True, feedback="#1 answer"),
            OptionDraft(text="~no", feedback="a -> b is not matching"),
        ],
    )
    written = gift.write(title="T", questions=[question])
    (read,) = gift.parse(written).questions
    assert dataclasses.replace(read, line=0) == question
