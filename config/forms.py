from django import forms

from config.errors import DomainError, NotAllowed


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


class DeleteForm(forms.Form):
    """The delete button of an edit page; a refusal shows as this form's error."""


def save_through(form: forms.Form, service, *args, **kwargs):
    """Run a service for a valid form: its result (True when it returns nothing), or None
    with the refusal on the form. A permission refusal is not a form error: it goes on up as
    a 403."""
    try:
        return service(*args, **kwargs) or True
    except NotAllowed:
        raise
    except DomainError as error:
        add_domain_error(form, error)
        return None
