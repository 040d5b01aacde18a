"""What every notebook view shares: the ipywidgets import, display, the font loader and safe callbacks."""
from __future__ import annotations

import html
import logging
from typing import Any, Callable

from ..errors import UserError

try:  # the widgets need ipywidgets (a core dependency); the pure functions do not
    import ipywidgets as W
except ImportError:  # pragma: no cover - exercised only without ipywidgets
    W = None

__all__ = ["W", "View", "require_widgets", "guarded", "error_html"]

log = logging.getLogger(__name__)


def require_widgets() -> None:
    if W is None:
        raise UserError("这些视图需要 ipywidgets：pip install 'feedback-mining[notebooks]'（the widgets need ipywidgets）")


def error_html(exc: BaseException, what: str = "操作失败") -> str:
    """A one-line red message in Chinese (a UserError's own text; other errors with their type)."""
    detail = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
    return f"<span style='color:#E45756'>{html.escape(what)}：{html.escape(detail)}</span>"


def guarded(callback: Callable[..., Any], status: Any, what: str = "操作失败") -> Callable[..., Any]:
    """``callback`` that shows its exception in the ``status`` HTML widget instead of losing it: errors
    raised in widget callbacks never reach the cell output, only JupyterLab's log console."""
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except Exception as exc:  # shown to the analyst
            log.exception("widget callback failed")
            status.value = error_html(exc, what)
            return None
    return run


class View:
    """Shows ``self.widget`` when the object is the last expression of a cell."""

    widget: Any

    def _repr_mimebundle_(self, **kwargs: Any):
        return self.widget._repr_mimebundle_(**kwargs)

    def display(self) -> None:
        from IPython.display import display

        display(self.widget)

    @staticmethod
    def fonts(texts: Any = ()) -> Any:
        """The font loader (shown first in every view), told about the characters ``texts`` need."""
        from .fonts import font_loader

        loader = font_loader()
        loader.supplement(texts)
        return loader
