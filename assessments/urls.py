from django.urls import path

from . import analysis_views, views

app_name = "assessments"
urlpatterns = [
    path("attempts/<int:attempt_id>/", views.attempt_view, name="attempt"),
    path("attempts/<int:attempt_id>/result/", views.attempt_result, name="result"),
    path("analysis/", analysis_views.analysis_index, name="analysis_index"),
    path("analysis/<slug:key>/", analysis_views.item_analysis_page, name="analysis"),
    path("analysis/<slug:key>/items.csv", analysis_views.item_analysis_csv, name="analysis_csv"),
    path("<slug:key>/", views.quiz_detail, name="quiz"),
    path("<slug:key>/start/", views.quiz_start, name="start"),
]
