"""Quiz authoring in the Wagtail admin: the quiz screen (settings, questions, options, parts and branches on
one page; ``admin_views``), question bank import and export, "try this quiz", and the older per-type
question snippets (kept for their listings and deletes)."""

from django.shortcuts import redirect
from django.urls import include, path
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets.button import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, EditView, SnippetViewSet

from . import admin_views
from .models import (
    MatchingQuestion,
    MultipleChoiceQuestion,
    OrderingQuestion,
    Quiz,
    ScenarioQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
)


class QuizEditRedirect(EditView):
    """Opening a quiz goes to its one screen (the snippet form still accepts posts)."""

    def get(self, request, *args, **kwargs):
        return redirect("quiz_authoring:edit", pk=self.object.pk)


class QuizCreateRedirect(CreateView):
    def get(self, request, *args, **kwargs):
        return redirect("quiz_authoring:new")


class QuizViewSet(SnippetViewSet):
    model = Quiz
    icon = "tasks"
    menu_label = "Quizzes"
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["title", "key", "curriculum", "pass_mark", "required", "active"]
    search_fields = ["title", "key"]
    edit_view_class = QuizEditRedirect
    add_view_class = QuizCreateRedirect


def _with_row_links(self, request):
    """Each row shows its quiz and competency (and names itself by its quiz's key): joined, not one query per
    row (tests/assessments/test_admin_listings.py)."""
    return self.model._default_manager.select_related("quiz", "competency")


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
            "get_queryset": _with_row_links,
        },
    )


# Quizzes are authored on their own screen (settings, questions, options, parts and branches together), so
# the menu has one entry. The per-type question listings stay (searching items across quizzes, item
# analysis links, deletes) under Snippets; scenario choices are no longer a listing of their own.
register_snippet(QuizViewSet)
for _model in (
    SingleChoiceQuestion,
    MultipleChoiceQuestion,
    TrueFalseQuestion,
    OrderingQuestion,
    MatchingQuestion,
    ScenarioQuestion,
):
    register_snippet(_question_viewset(_model))


@hooks.register("register_admin_menu_item")
def register_item_analysis_menu_item() -> MenuItem:
    return MenuItem("Item analysis", "/quiz/analysis/", icon_name="table", order=260)


authoring_urls = [
    path("new/", admin_views.quiz_editor, name="new"),
    path("<int:pk>/", admin_views.quiz_editor, name="edit"),
    path("<int:pk>/try/", admin_views.try_quiz, name="try"),
    path("<int:pk>/import/", admin_views.import_bank, name="import"),
    path("<int:pk>/export/<slug:fmt>/", admin_views.export_bank, name="export"),
]


@hooks.register("register_admin_urls")
def register_quiz_authoring_urls() -> list:
    return [path("quizzes/", include((authoring_urls, "quiz_authoring"), namespace="quiz_authoring"))]


@hooks.register("register_snippet_listing_buttons")
def quiz_listing_buttons(snippet, user, next_url=None):
    if not isinstance(snippet, Quiz) or not admin_views.quiz_permissions.user_has_permission(user, "change"):
        return []
    return [
        Button("Try this quiz", admin_views.reverse("quiz_authoring:try", args=[snippet.pk]), priority=20),
        Button("Import questions", admin_views.reverse("quiz_authoring:import", args=[snippet.pk]), priority=30),
    ]
