from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("language/", views.set_language, name="set_language"),
    # Before django.contrib.auth.urls (config/urls.py includes this first): the same paths and templates,
    # with forms that show the password rules before the first try.
    path("reset/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path("password_change/", views.ChangePasswordView.as_view(), name="change_password"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("two-factor/turn-off/", views.two_factor_remove, name="two_factor_remove"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/calendar/reset/", views.reset_calendar, name="reset_calendar"),
    path("calendar/<str:token>/my-training.ics", views.calendar_mine, name="calendar_mine"),
    path("calendar/<str:token>/team.ics", views.calendar_team, name="calendar_team"),
]
