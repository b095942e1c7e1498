from django.urls import path

from . import views

app_name = "agencies"
urlpatterns = [
    path("", views.home, name="home"),
    # Two or three segments that no agency path uses, so no agency slug is shadowed.
    path("invitations/approve/", views.invitations, name="invitations"),
    path("invitations/approve/<int:pk>/", views.approve_invitation, name="approve_invitation"),
    path("invitations/accept/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("my-team/people/", views.team, name="team"),
    path("my-team/people/<int:pk>/", views.team_member, name="team_member"),
    path("people/act/", views.act, name="act"),
    path("<slug:slug>/", views.roster, name="roster"),
    path("<slug:slug>/roster.csv", views.export_roster, name="export"),
    path("<slug:slug>/import/", views.import_roster, name="import"),
    path("<slug:slug>/import/<str:token>/", views.import_preview, name="import_preview"),
    path("<slug:slug>/assign/", views.assign, name="assign"),
    path("<slug:slug>/staff/add/", views.add_staff, name="add_staff"),
    path("<slug:slug>/invitations/<int:pk>/cancel/", views.cancel_invitation, name="cancel_invitation"),
    path("<slug:slug>/staff/<int:pk>/", views.staff_detail, name="staff"),
    path("<slug:slug>/staff/<int:pk>/edit/", views.edit_staff, name="edit_staff"),
    path("<slug:slug>/staff/<int:pk>/move/", views.move_staff, name="move_staff"),
    path("<slug:slug>/assignments/<int:pk>/waive/", views.waive, name="waive"),
]
