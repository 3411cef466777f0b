"""The report as a PDF document: A4 portrait pages (210 x 297 mm) with a title page, section
headings, each figure scaled to the text width with its caption under it, and the tables
(metrics, per-day RST summary) as real tables, split across pages when long. Every page
carries its number and, for synthetic inputs, the SYNTHETIC label."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

from thermoquake.report import html

A4_IN = (8.27, 11.69)
MARGIN_IN = 0.6
TEXT_WIDTH_IN = A4_IN[0] - 2 * MARGIN_IN
ROW_IN = 0.19
HEADING_IN = 0.45
CAPTION_FONT = 7.5
FIGURE_DPI = 100
"""Pixels per inch of the report's PNGs (their natural size on the page)."""


def _wrap(text: str, width_in: float, font_pt: float) -> list[str]:
    chars = max(20, int(width_in * 72 / (font_pt * 0.52)))
    return textwrap.wrap(text, chars) or [""]


class PdfDocument:
    """Lays out headings, figures, tables and notes top to bottom on A4 pages."""

    def __init__(self, path: Path, title: str, synthetic: bool, metadata: dict[str, str]) -> None:
        from matplotlib.backends.backend_pdf import PdfPages

        self._pdf = PdfPages(path, metadata=metadata)
        self.title = title
        self.synthetic = synthetic
        self.pages = 0
        self._fig = None
        self._y = 0.0            # inches from the top of the page already used

    # --- pages ---------------------------------------------------------------------------------

    def _new_page(self) -> None:
        from thermoquake.report import style

        self._flush()
        self._fig = style.plain_figure(*A4_IN)
        self.pages += 1
        footer = f"{'SYNTHETIC — ' if self.synthetic else ''}{self.title} — page {self.pages}"
        self._fig.text(0.5, 0.3 / A4_IN[1], footer, ha="center", va="bottom", fontsize=7,
                       color="#b00020" if self.synthetic else "0.4")
        self._y = MARGIN_IN

    def _room(self) -> float:
        return A4_IN[1] - MARGIN_IN - self._y

    def _need(self, height_in: float) -> None:
        if self._fig is None or (height_in > self._room() and self._y > MARGIN_IN + 1e-6):
            self._new_page()

    def _flush(self) -> None:
        from thermoquake.report import style

        if self._fig is not None:
            self._pdf.savefig(self._fig)
            style.close(self._fig)
            self._fig = None

    def _text(self, text: str, size: float, weight: str = "normal", colour: str = "black",
              width_in: float = TEXT_WIDTH_IN) -> None:
        lines = _wrap(text, width_in, size)
        height = len(lines) * size * 1.35 / 72 + 0.05
        self._need(height)
        self._fig.text(MARGIN_IN / A4_IN[0], 1 - self._y / A4_IN[1], "\n".join(lines), va="top", ha="left",
                       fontsize=size, fontweight=weight, color=colour, linespacing=1.3)
        self._y += height

    # --- items ---------------------------------------------------------------------------------

    def cover(self, lines: list[str]) -> None:
        self._new_page()
        self._y = 1.2
        if self.synthetic:
            self._text("SYNTHETIC DATA — every image, table and figure in this document is made from "
                       "synthetic inputs and says nothing about real earthquakes.", 11, "bold", "#b00020")
            self._y += 0.2
        self._text(self.title, 18, "bold")
        self._y += 0.2
        for line in lines:
            self._text(line, 9)
            self._y += 0.1

    def heading(self, text: str) -> None:
        self._need(HEADING_IN + 2.0)           # never a heading alone at the foot of a page
        self._y += 0.1
        self._text(text, 12, "bold")

    def note(self, text: str) -> None:
        self._text(text, 8, colour="0.25")
        self._y += 0.05

    def figure(self, item: html.Figure) -> None:
        import matplotlib.image as mpimg

        caption_lines = _wrap(item.caption, TEXT_WIDTH_IN, CAPTION_FONT)
        caption_h = len(caption_lines) * CAPTION_FONT * 1.35 / 72 + 0.15
        aspect = item.height_px / item.width_px
        width = min(TEXT_WIDTH_IN, item.width_px / FIGURE_DPI)     # never enlarged past its drawn size
        max_h = A4_IN[1] - 2 * MARGIN_IN - caption_h - 0.2
        if width * aspect > max_h:
            width = max_h / aspect
        height = width * aspect
        self._need(height + caption_h)
        left = MARGIN_IN + (TEXT_WIDTH_IN - width) / 2
        ax = self._fig.add_axes((left / A4_IN[0], 1 - (self._y + height) / A4_IN[1], width / A4_IN[0],
                                 height / A4_IN[1]))
        ax.imshow(mpimg.imread(io.BytesIO(item.png), format="png"), interpolation="antialiased")
        ax.axis("off")
        self._y += height + 0.05
        self._fig.text(MARGIN_IN / A4_IN[0], 1 - self._y / A4_IN[1], "\n".join(caption_lines), va="top",
                       fontsize=CAPTION_FONT, style="italic", color="0.25", linespacing=1.3)
        self._y += caption_h

    def table(self, item: html.Table) -> None:
        ncols = len(item.header)
        col_w = TEXT_WIDTH_IN / ncols
        font = 6.0 if ncols <= 8 else 5.0
        chars = max(6, int(col_w * 72 / (font * 0.55)))
        header = ["\n".join(textwrap.wrap(h, chars)) or h for h in item.header]
        rows = [["\n".join(textwrap.wrap(c, chars)) or c for c in row] for row in item.rows]
        head_lines = max(h.count("\n") + 1 for h in header)
        caption_lines = _wrap(item.caption, TEXT_WIDTH_IN, CAPTION_FONT) if item.caption else []
        caption_h = len(caption_lines) * CAPTION_FONT * 1.35 / 72 + 0.1
        start = 0
        while True:
            self._need(caption_h + ROW_IN * (head_lines + 2))
            fits = int((self._room() - caption_h - ROW_IN * head_lines) / ROW_IN)
            chunk = []
            used = 0.0
            for row in rows[start:]:
                h = max(c.count("\n") + 1 for c in row) if row else 1
                if used + h > fits and chunk:
                    break
                chunk.append(row)
                used += h
            self._draw_table(header, chunk, head_lines, font, caption_lines if start == 0 else
                             [f"(continued) {caption_lines[0]}"] if caption_lines else [], caption_h)
            start += len(chunk)
            if start >= len(rows):
                break
            self._new_page()

    def _draw_table(self, header, rows, head_lines, font, caption_lines, caption_h) -> None:
        if caption_lines:
            self._fig.text(MARGIN_IN / A4_IN[0], 1 - self._y / A4_IN[1], "\n".join(caption_lines), va="top",
                           fontsize=CAPTION_FONT, style="italic", color="0.25", linespacing=1.3)
            self._y += caption_h
        heights = [head_lines] + [max(c.count("\n") + 1 for c in row) for row in rows]
        total = sum(heights) * ROW_IN
        ax = self._fig.add_axes((MARGIN_IN / A4_IN[0], 1 - (self._y + total) / A4_IN[1], TEXT_WIDTH_IN / A4_IN[0],
                                 total / A4_IN[1]))
        ax.axis("off")
        table = ax.table(cellText=rows or None, colLabels=header, loc="upper center", cellLoc="center",
                         bbox=(0, 0, 1, 1))
        table.auto_set_font_size(False)
        table.set_fontsize(font)
        for (r, _c), cell in table.get_celld().items():
            cell.set_height(heights[r] / sum(heights))
            if r == 0:
                cell.set_facecolor("#eeeeee")
        self._y += total + 0.2

    def section(self, section: html.Section) -> None:
        self.heading(section.heading)
        for item in section.items:
            if isinstance(item, html.Figure):
                self.figure(item)
            elif isinstance(item, html.Table):
                self.table(item)
            elif isinstance(item, html.Text):
                self.note(item.text)

    def close(self) -> None:
        self._flush()
        self._pdf.close()


def write_pdf(path: Path, title: str, synthetic: bool, intro: list[str], sections: list[html.Section],
              metadata: dict[str, str]) -> int:
    """Write the document to ``path`` (use an atomic temporary path); return its page count."""
    doc = PdfDocument(path, title, synthetic, metadata)
    try:
        doc.cover(intro)
        for section in sections:
            doc.section(section)
    finally:
        doc.close()
    return doc.pages
