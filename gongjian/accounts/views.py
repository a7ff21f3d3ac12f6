from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gongjian.accounts import tokens
from gongjian.accounts.forms import LoginForm
from gongjian.accounts.services import user_password_changed
from gongjian.accounts.throttles import address_blocked
from gongjian.core.privacy import no_store


def address_throttled_response(request):
    return render(request, "registration/throttled.html", status=429)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # Too many wrong passwords from this address (any usernames): wait, whatever is typed.
        if address_blocked(request):
            return address_throttled_response(request)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        user_password_changed(actor=self.request.user, user=self.request.user)
        messages.success(self.request, _("Your password has been changed. Your API tokens no longer work."))
        return response


@login_required
@no_store
def api_tokens(request):
    """The signed-in user's API tokens: when issued, when they expire; revoke any."""
    return render(request, "accounts/api_tokens.html", {"tokens": tokens.api_tokens_of(user=request.user)})


@login_required
@require_POST
def api_token_revoke(request, token_key: str):
    if tokens.api_token_revoke(user=request.user, token_key=token_key):
        messages.success(request, _("The token has been revoked."))
    return redirect("api-tokens")


@login_required
@require_POST
def api_tokens_revoke_all(request):
    count = tokens.api_tokens_revoke_all(actor=request.user, user=request.user, reason="revoked by owner")
    messages.success(request, _("%(count)s tokens have been revoked.") % {"count": count})
    return redirect("api-tokens")
