from django.core.cache import cache
from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    """The main menu: cached, so it costs no query on most requests."""
    from .models import StandardPage

    menu = cache.get("main-menu")
    if menu is None:
        menu = [
            {"title": page.title, "url": page.url}
            for page in StandardPage.objects.live().filter(show_in_menus=True).order_by("menu_order", "title")
        ]
        cache.set("main-menu", menu, 300)
    return {"main_menu": menu}
