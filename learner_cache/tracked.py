"""Which tables a learner page reads, and whose pages a write to each of them may change.

`USER_TABLES`: rows that belong to learners; each SQL expression gives the id of a learner whose pages show
the row `{r}` (a write raises those learners' versions only). A staff record shows on its own person's pages
and, through the menu (a supervisor gets "Compliance"), on their supervisor's. `SHARED_TABLES`: everything
else a learner page reads (content, quizzes, agencies, the menu's roles); a write raises the shared version,
so every learner's pages render again.

Table names, not models: this app sits below the apps whose pages it keeps (it imports none of them).
`tests/learner_cache` renders every learner page with its SQL recorded and fails when it reads a table listed
in neither."""

from __future__ import annotations

_OWN = ("{r}.user_id",)
_BY_STAFF = ("(SELECT user_id FROM agencies_staffmember WHERE id = {r}.staff_id)",)
_BY_ATTEMPT = ("(SELECT user_id FROM assessments_attempt WHERE id = {r}.attempt_id)",)
_BY_COORDINATOR = ("(SELECT user_id FROM agencies_trainingcoordinator WHERE id = {r}.trainingcoordinator_id)",)
_AND_SUPERVISOR = ("{r}.user_id", "(SELECT user_id FROM agencies_staffmember WHERE id = {r}.supervisor_id)")

USER_TABLES: dict[str, tuple[str, ...]] = {
    # who the learner is and what the menu offers them
    "auth_user": ("{r}.id",),
    "auth_user_groups": _OWN,
    "auth_user_user_permissions": _OWN,
    "accounts_languagepreference": _OWN,
    "wagtailusers_userprofile": _OWN,  # the admin user bar (people who may open the admin)
    "agencies_staffmember": _AND_SUPERVISOR,
    "agencies_trainingcoordinator": _OWN,
    "agencies_trainingcoordinator_agencies": _BY_COORDINATOR,
    # their learning record
    "curricula_assignment": _BY_STAFF,
    "curricula_lessonprogress": _OWN,
    "curricula_curriculumcompletion": _OWN,
    "certificates_certificate": _OWN,
    "assessments_attempt": _OWN,
    "assessments_response": _BY_ATTEMPT,
}

SHARED_TABLES: frozenset[str] = frozenset(
    {
        # roles and permissions behind the menu
        "auth_group",
        "auth_group_permissions",
        "auth_permission",
        "django_content_type",
        # agencies and mandates
        "agencies_agency",
        "curricula_requirement",
        # pages, as Wagtail stores them, and what they show
        "wagtailcore_page",
        "wagtailcore_locale",
        "wagtailcore_site",
        "wagtailcore_pageviewrestriction",
        "wagtailcore_pageviewrestriction_groups",
        "wagtailimages_image",
        "wagtaildocs_document",
        # the admin user bar on a page (people who may open the admin): permissions and moderation state
        "wagtailcore_grouppagepermission",
        "wagtailcore_revision",
        "wagtailcore_workflow",
        "wagtailcore_workflowpage",
        "wagtailcore_workflowtask",
        "wagtailcore_workflowstate",
        "wagtailcore_task",
        "wagtailcore_taskstate",
        "content_standardpage",
        "curricula_catalogpage",
        "curricula_curriculumpage",
        "curricula_curriculumpage_competencies",
        "curricula_modulepage",
        "curricula_lessonpage",
        "competencies_competency",
        # quizzes and their questions
        "assessments_quiz",
        "assessments_question",
        "assessments_singlechoicequestion",
        "assessments_multiplechoicequestion",
        "assessments_truefalsequestion",
        "assessments_orderingquestion",
        "assessments_matchingquestion",
        "assessments_scenarioquestion",
        "assessments_scenariopart",
        "assessments_option",
    }
)

# Read by every signed-in request, never shown: the session's own parts that matter are in the key.
NOT_SHOWN: frozenset[str] = frozenset({"django_session", "learner_cache_version"})
