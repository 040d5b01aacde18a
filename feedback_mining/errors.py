"""The one exception type for user mistakes: the CLI prints it as one line and exits with 2."""
from __future__ import annotations


class UserError(ValueError):
    """A mistake in the user's input or options (bad file, unknown column, ...).

    The message is a single line meant for the analyst, never a traceback.
    """


class NotAvailable(Exception):
    """A view cannot be computed from this data (no date column, no themes, …); the message says why.

    Not a mistake: reports skip the chart and say why, notebooks show the message.
    """
