"""Issue 19, "Done when": a training coordinator builds a curriculum in the Wagtail admin (two lessons and a
quiz with a single-choice, a multiple-select and a three-part branching scenario), previews a lesson,
publishes the curriculum with its module and lessons in one action, and mandates it for one agency after
checking the preview of who it assigns; a case manager at that agency completes it, and a case manager at
another agency is not assigned. Screenshots in test-artifacts/screenshots/authoring-*."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .browser import Journey, answer_attempt_correctly

pytestmark = pytest.mark.e2e

COORDINATOR = "coordinator@cmtp.demo"
LEARNER = "casemanager@harbor.demo"  # a medical case manager at Harbor Health Center
ELSEWHERE = "reese.ward@beacon.demo"  # a medical case manager at Beacon Clinic
AGENCY = "Harbor Health Center"
CODE = "CMTP-190"
TITLE = "Documenting a home visit"
MODULE = "Before and after the visit"
LESSONS = [
    ("Preparing for the visit", "Read the care plan and agree a time with the client."),
    ("Writing the note", "Write the progress note the same day, in the client's words where possible."),
]
QUIZ_KEY = "cmtp-190-check"


def test_a_coordinator_builds_publishes_and_mandates_a_curriculum_a_learner_completes(demo_site, journey):
    from curricula.models import (
        Assignment,
        CatalogPage,
        CurriculumCompletion,
        CurriculumPage,
        LessonPage,
        ModulePage,
    )

    j = journey("authoring", demo_site)
    page = j.page
    j.log_in(COORDINATOR)

    # 1. The curriculum, a draft under the catalogue.
    catalog = CatalogPage.objects.get(locale__language_code="en")
    j.goto(f"/admin/pages/{catalog.pk}/")
    add_child(page)
    fill_title(page, TITLE)
    page.locator("#id_code").fill(CODE)
    page.locator("#id_summary").fill("How to prepare for a home visit and write it up the same day.")
    page.get_by_label("Medical case manager", exact=True).check()
    page.get_by_label("Non-medical case manager", exact=True).check()
    page.locator("#id_recertification_months").fill("24")
    j.checkpoint("curriculum-form")
    save_draft(page)
    curriculum = CurriculumPage.objects.get(code=CODE)
    assert not curriculum.live and curriculum.audience_roles == ["mcm", "nmcm"]

    # 2. A module and two lessons, drafts too.
    j.goto(f"/admin/pages/{curriculum.pk}/")
    add_child(page)
    fill_title(page, MODULE)
    save_draft(page)
    module = ModulePage.objects.child_of(curriculum).get()
    for title, text in LESSONS:
        j.goto(f"/admin/pages/{module.pk}/")
        add_child(page)
        fill_title(page, title)
        page.locator("#id_summary").fill(text)
        add_markdown(page, text)
        if title == LESSONS[0][0]:
            j.checkpoint("lesson-form")
        save_draft(page)
    lessons = list(LessonPage.objects.descendant_of(curriculum).order_by("path"))
    assert [lesson.title for lesson in lessons] == [title for title, _ in LESSONS]
    assert not any(lesson.live for lesson in lessons)

    # 3. Preview the second lesson as a learner would see it (the issue found every lesson preview a 500).
    preview_lesson(j, lessons[1].pk, LESSONS[1][1])

    # 4. The quiz, on its one screen (H19a): single choice, multiple select, a three-part scenario.
    build_quiz(j, curriculum_id=curriculum.pk, module_id=module.pk)

    # 5. Publish the curriculum with its module and lessons, in one action.
    j.goto(f"/admin/pages/{curriculum.pk}/edit/")
    page.get_by_role("button", name="More actions").first.click()
    page.get_by_role("button", name="Publish with modules and lessons").click()
    expect(page.get_by_text("Published with it: 1 module and 2 lessons")).to_be_visible()
    j.checkpoint("published")
    expect(page.get_by_text("learners cannot finish it")).to_have_count(0)
    assert all(p.live for p in CurriculumPage.objects.get(code=CODE).get_descendants(inclusive=True))

    # 6. Mandate it for one agency, checking who it assigns before saving.
    j.goto("/admin/training-mandates/")
    page.get_by_role("link", name=re.compile(r"^Add (mandate|requirement)")).first.click()
    select = page.locator("select#id_curriculum")
    select.select_option(value=select.locator("option").filter(has_text=CODE).first.get_attribute("value"))
    page.get_by_label("Only the agencies ticked below").check()
    page.get_by_label(AGENCY, exact=True).check()
    page.get_by_label("Medical case manager", exact=True).check()
    page.get_by_label("Due (days after hire)").fill("30")
    page.get_by_label("Starts on").fill(timezone.localdate().isoformat())
    j.checkpoint("mandate-form")
    page.get_by_role("button", name="Preview who this assigns").click()
    summary = page.locator("#mandate-preview-summary")
    # Harbor's three medical case managers, all due 30 days from today (they were hired before it)
    due = f"{(timezone.localdate() + timedelta(days=30)):%-d %B %Y}"
    expect(summary).to_contain_text(re.compile(rf"This will assign\s+3 people\s+at\s+{AGENCY} \(3\),\s+due on {due}"))
    expect(summary).to_contain_text(re.compile(r"It withdraws\s+0 open assignments"))
    expect(page.locator("#mandate-preview").get_by_role("cell", name="Casey Morgan")).to_be_visible()
    expect(page.locator("#mandate-preview").get_by_role("cell", name="Reese Ward")).to_have_count(0)
    j.checkpoint("mandate-preview")
    assert not Assignment.objects.filter(curriculum__code=CODE).exists()  # nothing saved by the preview
    page.get_by_role("button", name="Confirm and save").click()
    expect(page.get_by_text(re.compile(r"created", re.IGNORECASE)).first).to_be_visible()
    j.checkpoint("mandate-saved")
    assert Assignment.objects.filter(curriculum__code=CODE, staff__user__username=LEARNER, state="open").exists()
    assert not Assignment.objects.filter(curriculum__code=CODE, staff__user__username=ELSEWHERE).exists()
    j.assert_clean()

    # 7. The case manager at Harbor completes it: both lessons, then the quiz.
    learner = journey("authoring-learner", demo_site)
    lp = learner.page
    learner.log_in(LEARNER)
    expect(lp.get_by_role("heading", name="My training", level=1)).to_be_visible()
    lp.get_by_role("link", name=TITLE).first.click()
    expect(lp.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    learner.checkpoint("curriculum")
    lp.get_by_role("link", name=re.compile(r"^(Start the first lesson|Continue: )")).first.click()
    for _ in LESSONS:
        expect(lp.get_by_role("button", name=re.compile(r"^(Mark as complete and continue|Continue)$"))).to_be_visible()
        lp.get_by_role("button", name=re.compile(r"^(Mark as complete and continue|Continue)$")).click()
        lp.wait_for_load_state()
    assert learner.path == f"/quiz/{QUIZ_KEY}/", learner.path
    lp.get_by_role("button", name="Start the quiz").click()
    expect(lp.get_by_role("button", name="Submit my answers")).to_be_visible()
    attempt_id = int(re.search(r"/quiz/attempts/(\d+)/", lp.url).group(1))
    answer_attempt_correctly(lp, attempt_id)
    learner.checkpoint("quiz-answered")
    lp.get_by_role("button", name="Submit my answers").click()
    expect(lp.get_by_role("heading", name="You passed")).to_be_visible()
    expect(lp.get_by_text(f"Your certificate for {TITLE} was issued.")).to_be_visible()
    learner.checkpoint("quiz-passed")
    from assessments.models import Attempt

    attempt = Attempt.objects.get(pk=attempt_id)
    assert attempt.passed and attempt.score == 100, attempt.score
    assert CurriculumCompletion.objects.filter(user__username=LEARNER, curriculum__code=CODE).exists()
    assert Assignment.objects.get(curriculum__code=CODE, staff__user__username=LEARNER).state == "completed"
    learner.assert_clean()

    # 8. The case manager at Beacon has nothing to do for it.
    other = journey("authoring-elsewhere", demo_site)
    other.log_in(ELSEWHERE)
    expect(other.page.get_by_role("heading", name="My training", level=1)).to_be_visible()
    expect(other.page.get_by_role("link", name=TITLE)).to_have_count(0)
    other.checkpoint("dashboard")
    assert not Assignment.objects.filter(curriculum__code=CODE, staff__user__username=ELSEWHERE).exists()
    other.assert_clean()


# -- steps ----------------------------------------------------------------------------------------------------


def add_child(page: Page) -> None:
    """The explorer's "Add child page" (pages here allow one child type, so it opens the form directly)."""
    page.get_by_role("link", name=re.compile(r"^Add child page")).first.click()
    page.wait_for_load_state()
    expect(page.locator("form#page-edit-form")).to_be_visible()


def fill_title(page: Page, title: str) -> None:
    """The page title; leaving the field fills in the slug from it, as Wagtail does for a new page."""
    page.locator("#id_title").fill(title)
    page.locator("#id_title").press("Tab")
    expect(page.locator("#id_slug")).not_to_have_value("")


def save_draft(page: Page) -> None:
    """Save a new page as a draft: Wagtail opens its editor (its /edit/ address) when the page was created."""
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").first.click()
    errors = page.locator("[data-field-wrapper]:has(.error-message)").all_inner_texts()
    assert re.search(r"/admin/pages/\d+/edit/", page.url), f"not saved ({page.url}): {errors}"


def add_markdown(page: Page, text: str) -> None:
    """One markdown block in the lesson body (the body's StreamField: insert a block, choose Markdown)."""
    body = page.locator("[data-contentpath='body']").first
    body.get_by_role("button", name=re.compile(r"Insert a block", re.IGNORECASE)).first.click()
    page.get_by_role("option", name="Markdown").first.click()
    body.locator("textarea").first.fill(text)


def preview_lesson(j: Journey, lesson_id: int, text: str) -> None:
    page = j.page
    j.goto(f"/admin/pages/{lesson_id}/edit/")
    page.get_by_role("button", name=re.compile(r"preview", re.IGNORECASE)).first.click()
    frame = page.frame_locator("#w-preview-iframe")
    expect(frame.get_by_text(text).first).to_be_visible()
    j.checkpoint("lesson-preview")


def build_quiz(j: Journey, *, curriculum_id: int, module_id: int) -> None:
    """The quiz screen: settings, then three questions added and filled in on the same screen, then saved."""
    from assessments.models import Question, Quiz

    page = j.page
    j.goto("/admin/quizzes/new/")
    page.fill('[name="title"]', "Home visit check")
    page.fill('[name="key"]', QUIZ_KEY)
    page.select_option('[name="curriculum"]', str(curriculum_id))
    if page.locator('[name="module"]').count():
        page.select_option('[name="module"]', str(module_id))
    page.click('button[value="add-question:single"]')
    page.click('button[value="add-question:multiple"]')
    page.click('button[value="add-question:scenario"]')
    page.click('button[value="q-2:add-part"]')
    page.click('button[value="q-2:add-part"]')

    # Single choice: one right answer.
    page.fill('[name="q-0-text"]', "When is the progress note written?")
    page.fill('[name="q-0-o-0-text"]', "The same day")
    page.check('[name="q-0-o-0-is_correct"]')
    page.fill('[name="q-0-o-1-text"]', "At the end of the month")
    # Multiple select: two right answers of three.
    page.fill('[name="q-1-text"]', "What do you read before the visit?")
    page.click('button[value="q-1:add-option"]')
    page.fill('[name="q-1-o-0-text"]', "The care plan")
    page.check('[name="q-1-o-0-is_correct"]')
    page.fill('[name="q-1-o-1-text"]', "The last progress note")
    page.check('[name="q-1-o-1-is_correct"]')
    page.fill('[name="q-1-o-2-text"]', "The agency's budget")
    # A three-part scenario: p1 -> p2 (right) or p3 (wrong); p2 and p3 end.
    page.fill('[name="q-2-text"]', "The client is not home at the agreed time.")
    parts = [
        ("You arrive and nobody answers.", [("Call the client", "p2"), ("Leave at once", "p3")]),
        ("The client answers the phone.", [("Agree a new time", "end"), ("Close the case", "end")]),
        ("You are back at the office.", [("Call the client", "end"), ("Do nothing", "end")]),
    ]
    for k, (text, choices) in enumerate(parts):
        page.fill(f'[name="q-2-p-{k}-text"]', text)
        for o, (choice, leads_to) in enumerate(choices):
            page.fill(f'[name="q-2-p-{k}-o-{o}-text"]', choice)
            page.select_option(f'[name="q-2-p-{k}-o-{o}-next_part"]', leads_to)
        page.check(f'[name="q-2-p-{k}-o-0-is_correct"]')
    j.checkpoint("quiz-editor")
    page.click('button[value="save"]')
    expect(page.get_by_text(re.compile(r"saved with 3 questions"))).to_be_visible()
    j.checkpoint("quiz-saved")
    quiz = Quiz.objects.get(key=QUIZ_KEY)
    kinds = sorted(type(q.get_real_instance()).__name__ for q in Question.objects.filter(quiz=quiz))
    assert kinds == ["MultipleChoiceQuestion", "ScenarioQuestion", "SingleChoiceQuestion"], kinds
