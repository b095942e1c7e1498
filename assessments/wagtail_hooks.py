"""Quiz authoring in the Wagtail admin: quizzes and each question type as snippets."""

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import (
    MatchingQuestion,
    MultipleChoiceQuestion,
    Option,
    OrderingQuestion,
    Quiz,
    ScenarioQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
)


class QuizViewSet(SnippetViewSet):
    model = Quiz
    icon = "tasks"
    list_display = ["title", "key", "curriculum", "pass_mark", "required", "active"]
    search_fields = ["title", "key"]


def _question_viewset(question_model, icon="help"):
    return type(
        f"{question_model.__name__}ViewSet",
        (SnippetViewSet,),
        {
            "model": question_model,
            "icon": icon,
            "menu_label": question_model.type_label,
            "list_display": ["key", "quiz", "competency"],
            "list_filter": ["quiz"],
            "search_fields": ["text", "key"],
        },
    )


class ScenarioOptionViewSet(SnippetViewSet):
    """Options of scenario parts (Wagtail cannot nest inline panels, so they are edited here)."""

    model = Option
    icon = "list-ul"
    menu_label = "Scenario choices"
    list_display = ["text", "question", "part", "is_correct", "next_part"]
    list_filter = ["question__quiz"]
    search_fields = ["text"]
    panels = [
        FieldPanel("question"),
        FieldPanel("part"),
        FieldPanel("text"),
        FieldPanel("is_correct"),
        FieldPanel("next_part"),
        FieldPanel("feedback"),
        FieldPanel("sort_order"),
    ]

    def get_queryset(self, request):
        return Option.objects.filter(part__isnull=False).select_related("question", "part")


class QuizzesGroup(SnippetViewSetGroup):
    menu_label = "Quizzes"
    menu_icon = "tasks"
    menu_order = 250
    items = (
        QuizViewSet,
        _question_viewset(SingleChoiceQuestion),
        _question_viewset(MultipleChoiceQuestion),
        _question_viewset(TrueFalseQuestion),
        _question_viewset(OrderingQuestion),
        _question_viewset(MatchingQuestion),
        _question_viewset(ScenarioQuestion),
        ScenarioOptionViewSet,
    )


register_snippet(QuizzesGroup)


@hooks.register("register_admin_menu_item")
def register_item_analysis_menu_item() -> MenuItem:
    return MenuItem("Item analysis", "/quiz/analysis/", icon_name="table", order=260)
