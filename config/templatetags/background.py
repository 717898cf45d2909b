from django import template

from config.background import background_status

register = template.Library()


@register.inclusion_tag("_background_status.html")
def background_delay_notice(contest):
    """A warning on the organiser's pages when rankings or certificates are held up."""
    return {"status": background_status(contest)}
