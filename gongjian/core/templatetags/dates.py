"""``{{ moment|ymd_hm }}``: what ``{{ moment|date:"Y-m-d H:i" }}`` prints, without Django's general
date formatter, which costs ~30 µs a call: a list of 30 problems prints 60 such moments, a score
sheet up to a hundred (bench/README.md "What a request costs"). Same local time (the template
engine converts aware datetimes first, as it does for ``date``), same empty output for nothing."""

import datetime

from django import template

register = template.Library()


@register.filter(expects_localtime=True)
def ymd_hm(value) -> str:
    if not isinstance(value, datetime.datetime):
        return ""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"
