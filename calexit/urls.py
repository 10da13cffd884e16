from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from petitions.views import accounts

# django.contrib.auth.urls without the password reset, unless mail really goes out (PASSWORD_RESET_ENABLED).
account_urls = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password_change/",
        accounts.second_factor_required(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("otp/", accounts.otp_verify, name="otp_verify"),
    path("otp/setup/", accounts.otp_setup, name="otp_setup"),
]
if settings.PASSWORD_RESET_ENABLED:
    account_urls += [
        path("password_reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
        path("password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
        path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
        path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    ]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include(account_urls)),
    path("", include("petitions.urls")),
]

handler500 = "petitions.views.errors.server_error"
