"""Sign-in events go to the audit trail. These are records of what happened, not business
rules, which is why a signal is acceptable here."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from gongjian.core.audit import audit_record


@receiver(user_logged_in)
def _audit_login(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.login", target=user)


@receiver(user_logged_out)
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logout", target=user)
