"""Exceptions raised by the Prolific client; each carries what the server answered."""


class ProlificError(Exception):
    """Base class for every Prolific integration error."""


class ProlificConfigError(ProlificError):
    """The client is not configured (e.g. ``PROLIFIC_API_TOKEN`` is not set)."""


class ProlificAPIError(ProlificError):
    """Prolific answered with an error status; ``body`` is its answer, verbatim."""

    def __init__(self, method: str, url: str, status: int, body: str):
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        super().__init__(f"Prolific {method} {url} answered HTTP {status}: {body[:2000]}")


class ProlificUnavailable(ProlificError):
    """Prolific could not be reached, or kept answering 429/5xx after every retry."""


class PaymentRefused(ProlificError):
    """A bonus payment was refused on our side, e.g. because the same bonuses were already paid."""
