from django.core.cache import cache
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from agencies.admin_scope import LimitedActionsPolicy

from .admin_viewsets import TrainingGroup
from .models import Assignment

# Assignments are read only in the admin whatever a group says; registered before any viewset asks for it.
register_permission_policy(Assignment, LimitedActionsPolicy(Assignment, allowed={"view"}))
hooks.register("register_admin_viewset", TrainingGroup)


@hooks.register("after_publish_page")
@hooks.register("after_delete_page")
def clear_menu_cache(request, page) -> None:
    """The main menu is cached; a published change to a page must show at once."""
    cache.delete("main-menu")
