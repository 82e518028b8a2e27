from django import template

from followers.forms import FollowForm

register = template.Library()


@register.inclusion_tag("followers/_follow_form.html")
def follow_form(place: str = "page"):
    """The "Follow by email" form, the same bytes for every reader (a shared page)."""
    return {"form": FollowForm(place=place), "place": place}
