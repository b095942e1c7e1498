from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import get_language

from agencies.access import is_coordinator, is_manager, is_supervisor

from .models import StandardPage
from .page_cache import current_generation


def navigation(request: HttpRequest) -> dict:
    """The main menu: cached, so it costs no query on most requests; keyed by the content generation, so a
    published, moved or deleted page shows in it at once (content.page_cache)."""
    generation = current_generation(request=request)
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
    """Role flags for the navigation, each computed (one query) only when a template asks for it."""

    def __init__(self, user) -> None:
        self.user = user
        self._cache: dict[str, bool] = {}

    def _get(self, name: str, fn) -> bool:
        if name not in self._cache:
            self._cache[name] = bool(self.user.is_authenticated and fn(self.user))
        return self._cache[name]

    @property
    def manager(self) -> bool:
        return self._get("manager", is_manager)

    @property
    def supervisor(self) -> bool:
        return self._get("supervisor", is_supervisor)

    @property
    def coordinator(self) -> bool:
        return self._get("coordinator", is_coordinator)


def roles(request: HttpRequest) -> dict:
    return {"nav_roles": _LazyRoles(request.user)}
