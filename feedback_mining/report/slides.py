"""A 16:9 slide canvas of the project's own (no 4:3 template leftovers) and text that fits.

Every text box is filled through :meth:`Deck.text`, which estimates the wrapped lines of each
paragraph and shrinks the font (down to a floor) or drops trailing items with a 「…另有 N 条」 line
until the text fits its box: a slide never spills over its edge.

>>> deck = Deck()
>>> s = deck.slide("投诉根因帕累托图", "程序差距最多：134 条，占 34%")
>>> deck.text(s, ["第一点", "第二点"], BODY, size=18)
"""
from __future__ import annotations

import io
import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..data.write import atomic_write
from .style import DECK_FONT

__all__ = ["Deck", "Box", "Para", "SLIDE_W", "SLIDE_H", "TITLE", "TAKEAWAY", "BODY", "FOOTER", "text_width_em", "LINE_HEIGHT"]

SLIDE_W, SLIDE_H = 13.333, 7.5  # inches: PowerPoint's 16:9 widescreen
#: Line height as a multiple of the font size: CJK fonts (Microsoft YaHei, Noto Sans CJK) need ~1.3–1.45.
LINE_HEIGHT = 1.35
_INSET_X, _INSET_Y = 0.08, 0.05  # text-box margins, inches
_EMU = 914400


@dataclass(frozen=True)
class Box:
    """A rectangle on the slide, in inches."""
    left: float
    top: float
    width: float
    height: float


MARGIN = 0.6
TITLE = Box(MARGIN, 0.35, SLIDE_W - 2 * MARGIN, 0.75)
TAKEAWAY = Box(MARGIN, 1.1, SLIDE_W - 2 * MARGIN, 0.65)
BODY = Box(MARGIN, 1.85, SLIDE_W - 2 * MARGIN, 4.95)
FOOTER = Box(MARGIN, 6.98, SLIDE_W - 2 * MARGIN, 0.34)
DARK, GREY, ACCENT = (0x22, 0x22, 0x22), (0x66, 0x66, 0x66), (0xC0, 0x39, 0x2B)


@dataclass
class Para:
    """One paragraph: text and its look relative to the box's font size."""
    text: str
    scale: float = 1.0
    bold: bool = False
    color: tuple[int, int, int] = DARK
    space_after: float = 0.35  # × font size
    keep: bool = False  # never dropped to make room (e.g. a heading)
    group: int | None = None  # paragraphs of one item (a complaint and its evidence) are dropped together
    center: bool = False


def text_width_em(text: str) -> float:
    """Width of ``text`` in ems: CJK and full-width characters 1, narrow characters about half."""
    width = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            width += 1.0
        elif ch == " ":
            width += 0.3
        else:
            width += 0.6
    return width


def _height(paras: list[Para], width_in: float, size: float) -> float:
    """Inches the paragraphs need at ``size`` points in a box ``width_in`` wide."""
    usable = (width_in - 2 * _INSET_X) * 72  # points
    total = 2 * _INSET_Y * 72
    for p in paras:
        pt = size * p.scale
        lines = max(1, math.ceil(text_width_em(p.text) * pt / usable)) if p.text else 1
        total += lines * pt * LINE_HEIGHT + pt * p.space_after
    return total / 72


@dataclass
class Deck:
    """A presentation on a 13.333 × 7.5 in canvas with blank slides only; every slide gets the
    method note as speaker notes and a footer with its number."""
    method: str = ""
    footer: str = ""
    _prs: object = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        from pptx import Presentation
        from pptx.util import Emu

        prs = Presentation()
        prs.slide_width, prs.slide_height = Emu(12192000), Emu(6858000)  # PowerPoint's widescreen, exactly
        # The default template declares 4:3; a widescreen deck carries no preset type.
        prs.part._element.xpath("//p:sldSz")[0].attrib.pop("type", None)
        self._prs = prs

    @property
    def slides(self):
        return self._prs.slides

    def blank(self):
        """A new empty slide with the method as its speaker notes."""
        s = self._prs.slides.add_slide(self._prs.slide_layouts[6])
        s.notes_slide.notes_text_frame.text = self.method
        return s

    def slide(self, title: str, takeaway: str | None = None):
        """A content slide: title at the top, the takeaway in red under it."""
        s = self.blank()
        self.text(s, [Para(title, bold=True, space_after=0)], TITLE, size=28, min_size=20)
        if takeaway:
            self.text(s, [Para(takeaway, color=ACCENT, space_after=0)], TAKEAWAY, size=17, min_size=12)
        return s

    def text(self, slide, paras: list[Para | str], box: Box, size: float = 18, min_size: float = 11, more: str = "…另有 {n} 条，见 summary.xlsx"):
        """A text box holding ``paras`` at the largest size (≤ ``size``) at which they fit ``box``;
        at ``min_size`` trailing items (a paragraph, or the paragraphs of one ``group``) are dropped
        and counted in a last ``more`` line."""
        items = [p if isinstance(p, Para) else Para(p) for p in paras]
        size = float(size)
        while size > min_size and _height(items, box.width, size) > box.height:
            size -= 1
        kept, dropped = items, 0
        while _height(kept, box.width, size) > box.height:
            units = [p.group if p.group is not None else id(p) for p in items if not p.keep]
            if not units:
                break
            last = units[-1]
            items = [p for p in items if p.keep or (p.group if p.group is not None else id(p)) != last]
            dropped += 1
            kept = items + [Para(more.format(n=dropped), scale=0.85, color=GREY, space_after=0)]
        return self._add_box(slide, kept, box, size)

    def _add_box(self, slide, paras: list[Para], box: Box, size: float):
        from pptx.dml.color import RGBColor
        from pptx.util import Inches, Pt

        shape = slide.shapes.add_textbox(Inches(box.left), Inches(box.top), Inches(box.width), Inches(box.height))
        tf = shape.text_frame
        tf.word_wrap = True
        tf.margin_left = tf.margin_right = Inches(_INSET_X)
        tf.margin_top = tf.margin_bottom = Inches(_INSET_Y)
        for i, p in enumerate(paras):
            para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            para.space_after = Pt(size * p.scale * p.space_after)
            if p.center:
                from pptx.enum.text import PP_ALIGN

                para.alignment = PP_ALIGN.CENTER
            run = para.add_run()
            run.text = p.text
            font = run.font
            font.size = Pt(round(size * p.scale, 1))
            font.bold = p.bold
            font.color.rgb = RGBColor(*p.color)
            font.name = DECK_FONT
            latin = run._r.get_or_add_rPr().get_or_add_latin()
            ea = latin.makeelement(latin.tag.replace("latin", "ea"), {"typeface": DECK_FONT})
            latin.addnext(ea)
        return shape

    def rectangle(self, slide, box: Box, color: tuple[int, int, int]):
        """A filled rectangle without outline (accent bars, number tiles)."""
        from pptx.dml.color import RGBColor
        from pptx.enum.shapes import MSO_SHAPE
        from pptx.util import Inches

        shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(box.left), Inches(box.top), Inches(box.width), Inches(box.height))
        shape.fill.solid()
        shape.fill.fore_color.rgb = RGBColor(*color)
        shape.line.fill.background()
        shape.shadow.inherit = False
        return shape

    def picture(self, slide, png: bytes, box: Box = BODY):
        """``png`` scaled to fit ``box`` (aspect kept), centred in it."""
        from pptx.util import Emu

        pic = slide.shapes.add_picture(io.BytesIO(png), Emu(int(box.left * _EMU)), Emu(int(box.top * _EMU)))
        ratio = min(box.width * _EMU / pic.width, box.height * _EMU / pic.height)
        pic.width, pic.height = int(pic.width * ratio), int(pic.height * ratio)
        pic.left = int(box.left * _EMU + (box.width * _EMU - pic.width) / 2)
        pic.top = int(box.top * _EMU + (box.height * _EMU - pic.height) / 2)
        return pic

    def save(self, path: str | Path) -> None:
        """Footers with page numbers on every slide but the first, then an atomic write."""
        total = len(self._prs.slides)
        for number, s in enumerate(self._prs.slides, start=1):
            if number > 1:
                self.text(s, [Para(f"{self.footer}　　{number} / {total}", color=GREY, space_after=0)], FOOTER, size=10, min_size=8)
        with atomic_write(Path(path), "wb") as fh:
            self._prs.save(fh)
