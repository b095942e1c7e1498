"""StreamField blocks shared by public pages and lessons; each has one template under templates/blocks/."""

from django.utils.safestring import SafeString
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock

from .sanitize import render_markdown


class MarkdownBlock(blocks.TextBlock):
    """Author-written markdown, sanitised every time it is rendered."""

    def render_basic(self, value: str, context: dict | None = None) -> SafeString:
        return render_markdown(value)

    def get_searchable_content(self, value: str) -> list[str]:
        return [value or ""]

    class Meta:
        icon = "code"
        label = "Markdown"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("info", "Information"), ("tip", "Tip"), ("warning", "Important")], default="info"
    )
    title = blocks.CharBlock(required=False)
    body = MarkdownBlock()

    class Meta:
        icon = "warning"
        template = "blocks/callout.html"


class VignetteBlock(blocks.StructBlock):
    """A short fictional case story that a lesson or quiz builds on."""

    title = blocks.CharBlock()
    body = MarkdownBlock()

    class Meta:
        icon = "user"
        template = "blocks/vignette.html"


class KeyPointsBlock(blocks.StructBlock):
    title = blocks.CharBlock(default="Key points")
    points = blocks.ListBlock(blocks.CharBlock())

    class Meta:
        icon = "list-ul"
        template = "blocks/key_points.html"


class ReferenceBlock(blocks.StructBlock):
    citation = blocks.CharBlock(help_text="Author or publisher, title, year.")
    note = blocks.CharBlock(required=False, help_text="Section or page.")
    url = blocks.URLBlock(required=False)


class QuizBlock(blocks.StructBlock):
    """Places a quiz inside a lesson; the quiz itself is a snippet (assessments.Quiz)."""

    quiz = SnippetChooserBlock("assessments.Quiz")

    class Meta:
        icon = "tasks"
        template = "blocks/quiz.html"


def page_body_blocks() -> list[tuple[str, blocks.Block]]:
    return [
        ("heading", blocks.CharBlock(form_classname="title", icon="title", template="blocks/heading.html")),
        ("rich_text", blocks.RichTextBlock(features=["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr"])),
        ("markdown", MarkdownBlock()),
        ("callout", CalloutBlock()),
    ]


def lesson_body_blocks() -> list[tuple[str, blocks.Block]]:
    return [
        *page_body_blocks(),
        ("vignette", VignetteBlock()),
        ("key_points", KeyPointsBlock()),
        ("quiz", QuizBlock()),
    ]
