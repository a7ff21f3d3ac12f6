"""Exceptions services raise for the adapters (views, API) to turn into responses."""

from django.core.exceptions import ValidationError


class Conflict(Exception):
    """The object changed since the user loaded it (another user acted first): 409."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class NotPermitted(Exception):
    """The actor may see the object but not do this to it: 403."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def errors_onto_form(form, error: ValidationError) -> None:
    """A service's refusal shown on the form: each field's messages beside that field, and those
    for no field (or a field the form does not have) above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
