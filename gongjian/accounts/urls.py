from django.contrib.auth import views as auth_views
from django.urls import path

from gongjian.accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("tokens/", views.api_tokens, name="api-tokens"),
    path("tokens/revoke-all/", views.api_tokens_revoke_all, name="api-tokens-revoke-all"),
    path("tokens/<str:token_key>/revoke/", views.api_token_revoke, name="api-token-revoke"),
]
