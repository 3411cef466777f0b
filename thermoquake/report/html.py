"""The report page: one HTML file with no network and no script, laid out so that nothing is
wider than the window. Figures are embedded as base64 PNG (the page alone is the report) or,
for large reports, linked relative to the page (``figures/NAME.png`` inside the report folder)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from html import escape

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:1rem;
max-width:1200px;color:#222;line-height:1.4;overflow-wrap:anywhere}
h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid #ccc;margin-top:2rem}h3{font-size:1rem}
figure{margin:1rem 0}figure img{display:block;max-width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:.85rem;color:#555}
.synthetic{background:#b00020;color:#fff;font-weight:bold;padding:.5rem 1rem;border-radius:4px}
.table-wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;font-size:.75rem;table-layout:auto;max-width:100%}
th,td{border:1px solid #ccc;padding:.2rem .35rem;text-align:right}
th{overflow-wrap:normal;word-break:normal}td:first-child{white-space:nowrap}
th:first-child,td:first-child{text-align:left}
.note{font-size:.85rem;color:#555}
code{overflow-wrap:anywhere}
"""


@dataclass(frozen=True)
class Figure:
    png: bytes
    alt: str
    caption: str
    width_px: int
    height_px: int
    relpath: str = ""
    """The PNG's path relative to the page (used when figures are linked, not embedded)."""


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass(frozen=True)
class Text:
    text: str
    css_class: str = "note"


@dataclass
class Section:
    heading: str
    items: list = field(default_factory=list)
    level: int = 2


def _item(item, embed: bool = True) -> str:
    if isinstance(item, Figure):
        src = f"data:image/png;base64,{base64.b64encode(item.png).decode('ascii')}" if embed else item.relpath
        return (f'<figure><img src="{escape(src)}" alt="{escape(item.alt)}" '
                f'width="{item.width_px}" height="{item.height_px}">'
                f"<figcaption>{escape(item.caption)}</figcaption></figure>")
    if isinstance(item, Table):
        head = "".join(f"<th>{escape(h)}</th>" for h in item.header)
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in item.rows)
        cap = f"<caption>{escape(item.caption)}</caption>" if item.caption else ""
        return f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
    if isinstance(item, Text):
        return f'<p class="{escape(item.css_class)}">{escape(item.text)}</p>'
    raise TypeError(f"cannot render {type(item).__name__}")


def page(title: str, synthetic: bool, intro: list[str], sections: list[Section], embed: bool = True) -> str:
    """The whole HTML document as text; ``embed`` puts the PNGs in the page, else links them."""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{escape(('SYNTHETIC — ' if synthetic else '') + title)}</title>",
             f"<style>{CSS}</style></head><body>", f"<h1>{escape(title)}</h1>"]
    if synthetic:
        parts.append('<p class="synthetic">SYNTHETIC DATA — every image, table and figure below is made '
                     "from synthetic inputs and says nothing about real earthquakes.</p>")
    parts += [f'<p class="note">{escape(line)}</p>' for line in intro]
    for section in sections:
        parts.append(f"<h{section.level}>{escape(section.heading)}</h{section.level}>")
        parts += [_item(item, embed) for item in section.items]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
