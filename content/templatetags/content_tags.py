from django import template
from django.utils.safestring import SafeString

from content.sanitize import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(value: str | None) -> SafeString:
    """Author markdown to sanitised HTML: the only way author text is marked safe in templates."""
    return render_markdown(value)
