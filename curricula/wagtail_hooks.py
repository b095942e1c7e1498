from django.core.cache import cache
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from agencies.admin_scope import LimitedActionsPolicy

from . import pages
from .admin_viewsets import TrainingGroup
from .models import Assignment

# Assignments are read only in the admin whatever a group says; registered before any viewset asks for it.
register_permission_policy(Assignment, LimitedActionsPolicy(Assignment, allowed={"view"}))
hooks.register("register_admin_viewset", TrainingGroup)

# The page layer serves the page models (which never import it): see curricula/pages.py.
hooks.register("curricula_curriculum_context", pages.curriculum_context)
hooks.register("curricula_serve_lesson", pages.serve_lesson)
hooks.register("content_home_context", pages.home_context)


@hooks.register("after_publish_page")
@hooks.register("after_delete_page")
def clear_menu_cache(request, page) -> None:
    """The main menu is cached; a published change to a page must show at once."""
    cache.delete("main-menu")
