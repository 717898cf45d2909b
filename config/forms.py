from django import forms

from config.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: on the field it names, else above the form."""
    if error.errors:
        for field, messages in error.errors.items():
            flat = messages.values() if isinstance(messages, dict) else [messages]
            for message in flat:
                text = (
                    "; ".join(str(m) for m in message)
                    if isinstance(message, list)
                    else str(message)
                )
                form.add_error(field if field in form.fields else None, text)
    else:
        form.add_error(error.field if error.field in form.fields else None, error.message)
