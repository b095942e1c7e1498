from django.core.cache import cache
from wagtail import hooks


@hooks.register("after_publish_page")
@hooks.register("after_delete_page")
def clear_menu_cache(request, page) -> None:
    """The main menu is cached; a published change to a page must show at once."""
    cache.delete("main-menu")
