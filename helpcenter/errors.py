class DomainError(Exception):
    """A business rule refused an action. The message tells a caseworker what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
