"""Exceptions services raise for the adapters (views, API) to turn into responses."""


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
