"""``{% main_menu nav_items %}``: the menu of every signed-in page (the entries of
``core.context_processors.navigation``), built in Python: as template loops it was about half a
millisecond of every page (bench/README.md "Round 4")."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


def _link(css: str, link: dict) -> str:
    if link["active"]:
        return format_html('<a class="{} active" aria-current="page" href="{}">{}</a>', css, link["url"], link["label"])
    return format_html('<a class="{}" href="{}">{}</a>', css, link["url"], link["label"])


@register.simple_tag
def main_menu(entries) -> str:
    parts = []
    for entry in entries:
        if entry.get("children"):
            children = format_html_join(
                "", "<li>{}</li>", ((_link("dropdown-item", child),) for child in entry["children"])
            )
            parts.append(
                format_html(
                    '<li class="nav-item dropdown">'
                    '<a class="nav-link dropdown-toggle{}" href="#" role="button" data-bs-toggle="dropdown"'
                    ' aria-expanded="false">{}</a><ul class="dropdown-menu">{}</ul></li>',
                    " active" if entry["active"] else "",
                    entry["label"],
                    children,
                )
            )
        else:
            parts.append(format_html('<li class="nav-item">{}</li>', _link("nav-link", entry)))
    return mark_safe("\n".join(parts))
