from django import template

from gongjian.accounts.access import Perm

register = template.Library()


@register.filter
def can(actor, perm: str) -> bool:
    """``{% if actor|can:"volunteer.view" %}``: does the actor hold this permission anywhere?"""
    return bool(actor) and actor.has_perm(Perm(perm))
