"""What every notebook view shares: the ipywidgets import and display."""
from __future__ import annotations

from typing import Any

from ..errors import UserError

try:  # the widgets need ipywidgets (a core dependency); the pure functions do not
    import ipywidgets as W
except ImportError:  # pragma: no cover - exercised only without ipywidgets
    W = None

__all__ = ["W", "View", "require_widgets"]


def require_widgets() -> None:
    if W is None:
        raise UserError("the widgets need ipywidgets: pip install 'feedback-mining[notebooks]'")


class View:
    """Shows ``self.widget`` when the object is the last expression of a cell."""

    widget: Any

    def _repr_mimebundle_(self, **kwargs: Any):
        return self.widget._repr_mimebundle_(**kwargs)

    def display(self) -> None:
        from IPython.display import display

        display(self.widget)
