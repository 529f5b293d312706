"""Domain errors: services raise them, views turn them into messages."""


class DomainError(Exception):
    """A rule refused the action. `message` is already translated for the user."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(DomainError):
    status_code = 404
    code = "not_found"


class ConflictError(DomainError):
    status_code = 409
    code = "conflict"
