from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import get_language

from agencies.access import NavigationRoles, navigation_roles

from .generation import current_generation
from .models import StandardPage
from .routing import find_site


def navigation(request: HttpRequest) -> dict:
    """The main menu: cached, so it costs no query on most requests; keyed by the content generation, so a
    published, moved or deleted page shows in it at once (content.page_cache)."""
    generation = current_generation(request=request)
    find_site(request=request)  # kept per generation: `{% pageurl %}` asks for it
    key = f"main-menu:{get_language()}:{generation}"
    menu = cache.get(key) if generation else None
    if menu is None:
        menu = [
            {"title": page.menu_title or page.title, "url": page.url}
            for page in StandardPage.objects.live()
            .filter(show_in_menus=True, locale__language_code=get_language())  # the pages in the language read
            .order_by("menu_order", "title")
        ]
        if generation:
            cache.set(key, menu, 3600)
    return {"main_menu": menu}


class _LazyRoles:
    """The menu's role flags (`agencies.access.navigation_roles`, one query), asked only when a template
    reads one: a page that shows no menu costs nothing."""

    def __init__(self, user) -> None:
        self.user = user
        self._roles: NavigationRoles | None = None

    @property
    def _flags(self) -> NavigationRoles:
        if self._roles is None:
            self._roles = navigation_roles(self.user)
        return self._roles

    @property
    def manager(self) -> bool:
        return self._flags.manager

    @property
    def supervisor(self) -> bool:
        return self._flags.supervisor

    @property
    def coordinator(self) -> bool:
        return self._flags.coordinator

    @property
    def admin(self) -> bool:
        return self._flags.admin


def roles(request: HttpRequest) -> dict:
    return {"nav_roles": _LazyRoles(request.user)}
