from django import template

from gongjian.funds.ledger import yuan as _yuan

register = template.Library()


@register.filter
def yuan(amount) -> str:
    """12345.6 → "12,345.60" (as the ledger, the statement and the documents write amounts)."""
    return _yuan(amount)
