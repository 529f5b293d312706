from reportlab.lib.pagesizes import A4
from reportlab.platypus import Paragraph

from hallmgr.reports.pdf import build, signature_block, styles
from tests.conftest import pdf_text


def test_pages_are_numbered_x_of_y_and_signature_lines_print(app):
    with app.test_request_context("/"):
        st = styles()
        story = [Paragraph(f"Baris {n}", st["body"]) for n in range(180)]
        story.append(signature_block(["Petugas", "Bendahara"]))
        data = build(story, pagesize=A4, title="Uji")
    text = pdf_text(data)
    assert "Halaman 1 dari 3" in text and "Halaman 3 dari 3" in text
    assert "Baris 179" in text and "Bendahara" in text
