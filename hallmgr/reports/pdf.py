"""Shared pieces of every PDF: styles, 'page X of Y' footers, signature blocks.

A renderer is a function that takes plain data and returns bytes; a view only streams it.
"""

from collections.abc import Callable, Sequence
from io import BytesIO

from flask_babel import gettext as _
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

# The app's PDFs go out over HTTP, which carries binary: their compressed streams need no
# ASCII85 layer on top (ReportLab's default for 7-bit channels), which only makes each
# stream larger and slower to write. ReportLab reads the setting when it writes a stream;
# every PDF module of the app imports this one.
rl_config.useA85 = 0


def styles(base_size: float = 9) -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    body = ParagraphStyle(
        "body",
        parent=sheet["Normal"],
        fontName="Helvetica",
        fontSize=base_size,
        leading=base_size * 1.25,
    )
    return {
        "body": body,
        "small": ParagraphStyle(
            "small", parent=body, fontSize=base_size - 1.5, leading=(base_size - 1.5) * 1.25
        ),
        "bold": ParagraphStyle("bold", parent=body, fontName="Helvetica-Bold"),
        "right": ParagraphStyle("right", parent=body, alignment=TA_RIGHT),
        "center": ParagraphStyle("center", parent=body, alignment=TA_CENTER),
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=base_size + 4,
            leading=(base_size + 4) * 1.25,
            alignment=TA_CENTER,
            spaceAfter=2 * mm,
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=base_size + 1.5,
            leading=(base_size + 1.5) * 1.3,
            spaceBefore=2 * mm,
            spaceAfter=1 * mm,
        ),
    }


def numbered_canvas(footer_left: str = "", font_size: float = 7.5) -> type:
    """A canvas class that writes 'page X of Y' (and a left footer) on every page.

    Pages are kept until the end so the total is known; fine for hundreds of pages.
    """

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict] = []

        def showPage(self):  # noqa: N802  (ReportLab's name)
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                self._draw_footer(total)
                super().showPage()
            super().save()

        def _draw_footer(self, total: int) -> None:
            width, _height = self._pagesize
            self.saveState()
            self.setFont("Helvetica", font_size)
            self.setFillColor(colors.grey)
            text = _("Page %(page)d of %(total)d", page=self._pageNumber, total=total)
            self.drawRightString(width - 12 * mm, 8 * mm, text)
            if footer_left:
                self.drawString(12 * mm, 8 * mm, footer_left)
            self.restoreState()

    return NumberedCanvas


def build(
    story: list,
    *,
    pagesize: tuple[float, float],
    title: str,
    margins: tuple[float, float, float, float] = (12 * mm, 12 * mm, 12 * mm, 14 * mm),
    footer_left: str | None = None,
    numbered: bool = True,
    on_page: Callable | None = None,
) -> bytes:
    """Lay out a story on pages and return the PDF bytes.

    margins: left, right, top, bottom.
    """
    buffer = BytesIO()
    left, right, top, bottom = margins
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=title,
        author="hallmgr",
        creator="hallmgr",
    )
    kwargs = {}
    if numbered:
        kwargs["canvasmaker"] = numbered_canvas(footer_left or "")
    if on_page is not None:
        kwargs["onFirstPage"] = on_page
        kwargs["onLaterPages"] = on_page
    doc.build(story, **kwargs)
    return buffer.getvalue()


def signature_block(
    roles: Sequence[str], place_date: str = "", width: float | None = None
) -> Table:
    """Side-by-side signature boxes: the role above, a line for name and signature below."""
    st = styles()
    header = [Paragraph(role, st["center"]) for role in roles]
    blank = ["" for _ in roles]
    line = [Paragraph("(____________________)", st["center"]) for _ in roles]
    rows = [header, blank, blank, line]
    if place_date:
        rows.insert(0, [""] * (len(roles) - 1) + [Paragraph(place_date, st["center"])])
    col = (width / len(roles)) if width else None
    table = Table(rows, colWidths=[col] * len(roles) if col else None)
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 4)])
    )
    return table


def spacer(height_mm: float) -> Spacer:
    return Spacer(1, height_mm * mm)


GRID_STYLE = [
    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f3ec")),
    ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#9aa5a0")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
]


def chunked(items, size: int):
    """Lists of at most `size` items from any iterable, without holding it all."""
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
