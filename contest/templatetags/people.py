from django import template

register = template.Library()


@register.filter
def display_name(user) -> str:
    """A user's name in Vietnamese order: family and middle names first, the given name last
    (Django's get_full_name puts first_name, the given name, first)."""
    person = getattr(user, "person", None)
    if person is not None:
        return person.full_name
    return f"{user.last_name} {user.first_name}".strip() or user.get_username()
