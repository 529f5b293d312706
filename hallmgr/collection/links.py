"""The short link a receipt's QR code carries: /V/<number>/<code>, at the root.

Its path is capitals, digits and '-' and '/' only (receipt numbers are capitals; the code is
the signature's head in capitals), and the receipt writes scheme and host in capitals too,
which RFC 3986 lets any client read as usual: the whole link is then QR alphanumeric (5.5
bits a character against 8), and the code a version 3 (29 modules) where the long link of
/collection/verify/ needed version 5 (37) — larger modules on 80 mm paper, and a cheaper
receipt to draw. The long links on receipts printed before keep working.
"""

from flask import Blueprint

from hallmgr.auth.policy import public
from hallmgr.collection.views import verify_page

bp = Blueprint("receipt_link", __name__)


@bp.route("/V/<number>/<code>")
@public
def verify(number: str, code: str):
    return verify_page(number, code)
