from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def score(value: Decimal, decimals: int = 2) -> str:
    """A score at the ranking's declared precision, with the locale's decimal separator."""
    if value is None:
        return ""
    return number_format(value, decimal_pos=decimals)


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)


@register.filter
def place(rank: Decimal) -> str:
    """A place as people write it: 1, 2, 3,5 (a shared Skating System place)."""
    if rank is None:
        return ""
    if rank == rank.to_integral_value():
        return str(int(rank))
    return number_format(rank.normalize())
