"""`{% jinja "template.html" name=value %}`: a Jinja2 template (core/jinja.py) rendered in a Django template page."""

from typing import Any

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def jinja(template_name: str, **context: Any) -> SafeString:
    html = engines["jinja2"].get_template(template_name).render(context)
    return mark_safe(html)  # noqa: S308  # escaped by Jinja2 as it rendered
