from django.urls import path

from . import views

app_name = "curricula"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("transcript/", views.transcript, name="transcript"),
    path("lessons/<int:lesson_id>/complete/", views.complete_lesson, name="complete_lesson"),
]
