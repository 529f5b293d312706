"""What the journeys share: downloads read as a user would read them."""

import csv
import io

from pypdf import PdfReader


def download(page, link) -> tuple[bytes, str]:
    """Click a link or button that downloads a file; the file's bytes and suggested name."""
    with page.expect_download() as info:
        link.click()
    dl = info.value
    assert dl.failure() is None, dl.failure()
    with open(dl.path(), "rb") as fh:
        return fh.read(), dl.suggested_filename


def pdf_text(data: bytes) -> str:
    assert data[:5] == b"%PDF-", "not a PDF"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def csv_rows(data: bytes) -> list[dict]:
    """A CSV as an Indonesian spreadsheet reads it: UTF-8 with a BOM, semicolons."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
