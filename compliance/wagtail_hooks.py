"""Learning history is never deleted from the Wagtail admin.

Every delete in the admin that could reach history is refused before its confirmation page, with a page
that names what depends on the object and offers the alternative: unpublish a page, make a quiz inactive,
deactivate a person or remove their personal data. Single deletes are caught by Wagtail's ``before_delete_*``
hooks (snippet bulk deletes run ``before_delete_snippet`` too); page and user bulk deletes are Wagtail's own
bulk actions with the same check in front. The foreign keys themselves are PROTECT, so a path this module
missed would still refuse (as an error), never cascade. What counts as a dependent is decided in
``compliance.evidence``; the anonymising service is ``agencies.privacy``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.pages.bulk_actions.delete import DeleteBulkAction as PageDeleteBulkAction
from wagtail.admin.widgets import Button
from wagtail.log_actions import LogFormatter
from wagtail.models import Page
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.users.views.bulk_actions.delete import DeleteBulkAction as UserDeleteBulkAction

from agencies.access import may_edit_reminders
from agencies.admin_scope import RuledPolicy
from agencies.privacy import LOG_ACTION, RemovalRefused, is_removed, remove_personal_data
from assessments.models import Option, Question, Quiz

from .admin_viewsets import RemindersGroup
from .evidence import Dependents, dependents_of, question_dependents, user_dependents
from .models import ReminderSchedule, ReminderTemplate


def _never(user: object) -> bool:
    return False


# The reminder schedule and emails reach every agency: only program-wide coordinators edit them, and the rows
# (made by the migration) are edited, never added or deleted. Registered before the viewsets ask for them.
for _model in (ReminderSchedule, ReminderTemplate):
    register_permission_policy(
        _model,
        RuledPolicy(
            _model,
            rules={"add": _never, "delete": _never, "change": may_edit_reminders, "view": may_edit_reminders},
        ),
    )
register_snippet(RemindersGroup)

WHY = "Learning history is evidence for compliance and certificates, so nothing it depends on is deleted."


def _names(objects: list) -> str:
    shown = [str(o.specific_deferred if isinstance(o, Page) else o) for o in objects[:3]]
    more = len(objects) - len(shown)
    return ", ".join(f"“{name}”" for name in shown) + (f" and {more} more" if more > 0 else "")


def _advice(objects: list, request: HttpRequest) -> tuple[str, list[tuple[str, str]]]:
    """What to do instead, with links, for the kind of object."""
    first = objects[0]
    if isinstance(first, Page):
        links = []
        if len(objects) == 1 and first.live:
            links.append(("Unpublish it instead", reverse("wagtailadmin_pages:unpublish", args=[first.pk])))
        return "Unpublish it instead: learners no longer see it, and the history stays.", links
    if isinstance(first, Quiz):
        viewset = cast(Any, first).snippet_viewset  # set on the model by Wagtail's register_snippet
        links = [("Edit the quiz", reverse(viewset.get_url_name("edit"), args=[first.pk]))]
        return "Make the quiz inactive instead (untick “Active”): learners can no longer start it.", links
    if isinstance(first, Question | Option):
        return (
            "An answered question and its options stay, so the answers keep their meaning. To stop asking it, "
            "make its quiz inactive and put the questions you want in a new quiz.",
            [],
        )
    links = []
    if len(objects) == 1:
        links.append(("Edit the account", reverse("wagtailusers_users:edit", args=[first.pk])))
        if request.user.is_superuser and first.pk != request.user.pk and not is_removed(first):
            links.append(("Remove personal data", reverse("remove_personal_data", args=[first.pk])))
    return (
        "Deactivate the account instead (untick “Active”) so they can no longer sign in, or, if their personal "
        "data must go, a site administrator can remove it: the history stays, anonymised.",
        links,
    )


def refuse(request: HttpRequest, objects: list, dependents: Dependents, *, names: str = "") -> HttpResponse:
    """The page shown instead of a delete confirmation. 200 when asked (GET), 409 when a delete was posted."""
    advice, links = _advice(objects, request)
    return TemplateResponse(
        request,
        "compliance/admin/delete_refused.html",
        {
            "names": names or _names(objects),
            "action": "removed" if names else "deleted",
            "dependents": dependents,
            "message": f"Records that depend on {'it' if len(objects) == 1 else 'them'}: {dependents}.",
            "why": WHY,
            "advice": advice,
            "links": links,
            "back_url": get_valid_next_url_from_request(request) or reverse("wagtailadmin_home"),
        },
        status=409 if request.method == "POST" else 200,
    )


def _refuse_if_dependents(request: HttpRequest, objects: list) -> HttpResponse | None:
    dependents = dependents_of(list(objects))
    return refuse(request, list(objects), dependents) if dependents else None


@hooks.register("before_delete_page")
def refuse_deleting_pages_with_history(request: HttpRequest, page: Page) -> HttpResponse | None:
    return _refuse_if_dependents(request, [page])


@hooks.register("before_delete_snippet")
def refuse_deleting_answered_quizzes(request: HttpRequest, instances: list) -> HttpResponse | None:
    # The snippet bulk delete runs this hook before its own permission check: say nothing to someone who
    # may not delete these anyway (Wagtail refuses them next).
    policy = getattr(getattr(instances[0], "snippet_viewset", None), "permission_policy", None) if instances else None
    if policy is not None and not policy.user_has_permission(request.user, "delete"):
        return None
    return _refuse_if_dependents(request, instances)


MAX_INLINE_FORMS = 1000


def _rows_marked_deleted(post: Any, prefix: str) -> set[str]:
    """Ids of existing inline rows (options, scenario parts) that an edit post asks to delete."""
    total = post.get(f"{prefix}-TOTAL_FORMS", "")
    count = min(int(total), MAX_INLINE_FORMS) if total.isascii() and total.isdigit() and len(total) < 5 else 0
    return {
        post.get(f"{prefix}-{i}-id", "")
        for i in range(count)
        if post.get(f"{prefix}-{i}-DELETE") and post.get(f"{prefix}-{i}-id")
    }


@hooks.register("before_edit_snippet")
def refuse_removing_options_of_answered_questions(request: HttpRequest, instance: Any) -> HttpResponse | None:
    """Answers store option ids: removing an option (or a scenario part) of an answered question in the
    question editor would delete what those answers mean. Editing the text stays allowed."""
    if request.method != "POST" or not isinstance(instance, Question):
        return None
    if not (_rows_marked_deleted(request.POST, "options") or _rows_marked_deleted(request.POST, "parts")):
        return None
    dependents = question_dependents([instance])
    if not dependents:
        return None
    return refuse(request, [instance], dependents, names=f"Options or parts of “{instance}”")


@hooks.register("before_delete_user")
def refuse_deleting_people_with_history(request: HttpRequest, user: Any) -> HttpResponse | None:
    return _refuse_if_dependents(request, [user])


# Wagtail ships no types: the mixin's base is Any to mypy (so super().get and the bulk action's attributes
# type-check) and plain object at run time.
_BulkAction: Any = object


class _RefuseWhenHistory(_BulkAction):
    """In front of a Wagtail bulk delete: the confirmation is never shown for objects with history."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._refusal() or super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._refusal() or super().post(request, *args, **kwargs)

    def _refusal(self) -> HttpResponse | None:
        objects, _ = self.get_actionable_objects()
        return _refuse_if_dependents(self.request, objects)


class HistorySafePageDeleteBulkAction(_RefuseWhenHistory, PageDeleteBulkAction):
    pass


class HistorySafeUserDeleteBulkAction(_RefuseWhenHistory, UserDeleteBulkAction):
    pass


# order=1: registered after Wagtail's own delete actions, so these replace them for the same models.
hooks.register("register_bulk_action", HistorySafePageDeleteBulkAction, order=1)
hooks.register("register_bulk_action", HistorySafeUserDeleteBulkAction, order=1)


# ---- Remove personal data ------------------------------------------------------------------------------


def remove_personal_data_view(request: HttpRequest, user_id: int) -> HttpResponse:
    """Site administrators only: confirm (GET), then anonymise the account and keep its history (POST)."""
    if not request.user.is_superuser:
        raise PermissionDenied
    person = get_object_or_404(get_user_model(), pk=user_id)
    if request.method == "POST":
        try:
            result = remove_personal_data(user=person, by=request.user)
        except RemovalRefused as exc:
            messages.error(request, str(exc))
            return redirect("remove_personal_data", user_id=person.pk)
        messages.success(
            request,
            f"Personal data removed: the account is now “{result.placeholder}”, inactive, and its history is kept.",
        )
        return redirect("wagtailusers_users:index")
    return TemplateResponse(
        request,
        "compliance/admin/remove_personal_data.html",
        {
            "person": person,
            "already_removed": is_removed(person),
            "is_self": person.pk == request.user.pk,
            "history": user_dependents([person]),
        },
    )


@hooks.register("register_admin_urls")
def register_privacy_urls() -> list:
    return [path("people/remove-personal-data/<int:user_id>/", remove_personal_data_view, name="remove_personal_data")]


@hooks.register("register_user_listing_buttons")
def remove_personal_data_button(user: Any, request_user: Any) -> list[Button]:
    if not request_user.is_superuser or user.pk == request_user.pk or is_removed(user):
        return []
    return [Button("Remove personal data", reverse("remove_personal_data", args=[user.pk]), priority=90)]


@hooks.register("register_log_actions")
def register_removal_log_action(actions: Any) -> None:
    @actions.register_action(LOG_ACTION)
    class PersonalDataRemoved(LogFormatter):
        label = "Remove personal data"

        def format_message(self, log_entry: Any) -> str:
            return "Personal data removed; learning history kept, anonymised"
