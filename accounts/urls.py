from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("signed-out/", views.SignedOutView.as_view(), name="signed_out"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("second-factor/passkey/", views.passkey_sign_in_begin, name="passkey_sign_in_begin"),
    path("enrol/<str:token>/", views.enrolment_link, name="enrolment_link"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

# Mounted at /settings/ (config/urls.py).
settings_urlpatterns = [
    path("time-zone/", views.time_zone_settings, name="time_zone_settings"),
    path("pin/", views.pin_settings, name="pin_settings"),
    path("pin/<slug:slug>/", views.pin_settings_for, name="pin_settings_for"),
    path("second-factor/", views.second_factor_settings, name="second_factor_settings"),
    path("second-factor/app/", views.second_factor_setup, name="second_factor_setup"),
    path("second-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path(
        "second-factor/passkeys/begin/",
        views.passkey_register_begin,
        name="passkey_register_begin",
    ),
    path("second-factor/passkeys/", views.passkey_register_complete, name="passkey_register"),
    path(
        "second-factor/<slug:slug>/",
        views.approval_factor_settings,
        name="approval_factor_settings",
    ),
]
