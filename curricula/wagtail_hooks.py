from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.cache import cache
from django.http import HttpRequest
from wagtail import hooks
from wagtail.admin.action_menu import PublishMenuItem
from wagtail.permissions import register_permission_policy

from agencies.admin_scope import LimitedActionsPolicy

from . import pages
from .admin_viewsets import TrainingGroup
from .models import Assignment, CurriculumPage, ModulePage
from .publishing import publish_with_children, unreachable_required_items

# Assignments are read only in the admin whatever a group says; registered before any viewset asks for it.
register_permission_policy(Assignment, LimitedActionsPolicy(Assignment, allowed={"view"}))
hooks.register("register_admin_viewset", TrainingGroup)

# The page layer serves the page models (which never import it): see curricula/pages.py.
hooks.register("curricula_curriculum_context", pages.curriculum_context)
hooks.register("curricula_serve_lesson", pages.serve_lesson)
hooks.register("content_home_context", pages.home_context)

WITH_CHILDREN = "with-children"  # the value of the editor's publish button that also publishes the children


@hooks.register("after_publish_page")
@hooks.register("after_delete_page")
def clear_menu_cache(request, page) -> None:
    """The main menu is cached; a published change to a page must show at once."""
    cache.delete("main-menu")


class PublishWithChildrenMenuItem(PublishMenuItem):
    """The "Publish with modules and lessons" button in a curriculum's editor: Wagtail's own publish (the button posts
    action-publish), and `publish_children` below then publishes everything under it."""

    label = "Publish with modules and lessons"
    template_name = "curricula/admin/publish_with_children.html"
    order = 25

    def is_shown(self, context: dict[str, Any]) -> bool:
        page = context.get("page")
        return (
            context["view"] == "edit"
            and page is not None
            and isinstance(page.specific_deferred, CurriculumPage)
            and super().is_shown(context)
        )


hooks.register("register_page_action_menu_item", PublishWithChildrenMenuItem)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _warn_if_unreachable(request: HttpRequest, curriculum: CurriculumPage) -> None:
    missing = unreachable_required_items(curriculum=curriculum)
    if missing:
        messages.warning(
            request,
            f"This curriculum is live but learners cannot finish it: {_count(len(missing), 'required item')} "
            f'not live: {"; ".join(missing)}. Use "Publish with modules and lessons", or activate the quiz.',
        )


@hooks.register("after_publish_page")
def publish_children(request: HttpRequest, page) -> None:
    """After a curriculum is published: its children too when asked, then a warning for any required item
    that is still not live."""
    curriculum = page.specific_deferred
    if not isinstance(curriculum, CurriculumPage):
        return
    if request.POST.get("action-publish") == WITH_CHILDREN:
        result = publish_with_children(curriculum=curriculum, by=cast(User, request.user))  # the admin signs in
        modules = sum(isinstance(p, ModulePage) for p in result.published)
        lessons = len(result.published) - modules
        messages.success(request, f"Published with it: {_count(modules, 'module')} and {_count(lessons, 'lesson')}.")
        if result.not_allowed:
            names = ", ".join(p.title for p in result.not_allowed)
            messages.warning(request, f"You may not publish these, so they stay as they were: {names}.")
    _warn_if_unreachable(request, curriculum)


@hooks.register("before_edit_page")
def warn_on_live_curriculum(request: HttpRequest, page) -> None:
    """Opening a live curriculum whose required items are not all live says so."""
    curriculum = page.specific_deferred
    if request.method == "GET" and isinstance(curriculum, CurriculumPage) and curriculum.live:
        _warn_if_unreachable(request, curriculum)
