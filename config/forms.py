from django import forms

from config.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: on the field it names, else above the form.

    Nested messages ({"marks": {"content": [...]}}) land on the inner field when the form has
    one of that name (the scoring form has a field per criterion)."""
    if not error.errors:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return
    for field, messages in error.errors.items():
        if isinstance(messages, dict):
            for inner, inner_messages in messages.items():
                target = inner if inner in form.fields else None
                for message in inner_messages:
                    form.add_error(target, str(message))
            continue
        for message in messages:
            text = (
                str(message)
                if not isinstance(message, dict)
                else "; ".join(
                    f"{key}: {' '.join(map(str, value))}" for key, value in message.items()
                )
            )
            form.add_error(field if field in form.fields else None, text)
