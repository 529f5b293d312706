"""The collection pages through HTTP: round, payment form, receipts, PDFs, voids, scope."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hallmgr.collection.rules import receipt_signature
from hallmgr.core.days import market_today
from hallmgr.extensions import db as _db
from hallmgr.models import AuditEvent, Business, Deposit, Payment, PaymentDay, Stall, Waiver
from tests.conftest import count_rows, pdf_text, post

KEY_RE = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')


@pytest.fixture
def login_as(client, login_as):
    """Sign in, signing out whoever was signed in before."""

    def do(*args, **kwargs):
        if client.get("/").status_code == 200:
            post(client, "/auth/logout")
        return login_as(*args, **kwargs)

    return do


@pytest.fixture
def today():
    return market_today()


@pytest.fixture
def here(make_setup, today):
    return make_setup(start=today - timedelta(days=3), code="JP01")


def form_key(client, stall_id):
    page = client.get(f"/collection/stalls/{stall_id}/pay").get_data(as_text=True)
    match = KEY_RE.search(page)
    if match is None:
        match = re.search(
            r'id="idempotency_key" name="idempotency_key" type="hidden" value="([^"]+)"', page
        )
    assert match, page
    return match.group(1)


def pay_form(client, stall_id, days, method="cash", key=None, **extra):
    """Post the pay form. Unless told otherwise (skip_older=None), the collector has
    confirmed paying newer days while older ones stay unpaid."""
    key = key or form_key(client, stall_id)
    data = {
        "days": [d.isoformat() for d in days],
        "method": method,
        "idempotency_key": key,
        "skip_older": "y",
        **extra,
    }
    data = {name: value for name, value in data.items() if value is not None}
    return post(client, f"/collection/stalls/{stall_id}/pay", data, token_from="/collection/"), key


def test_round_lists_stalls_with_state_and_arrears(client, login_as, here, today):
    login_as("collector", halls=[here.hall])
    page = client.get(f"/collection/{here.hall.code}/round").get_data(as_text=True)
    assert "A-01" in page and "Warung Bu Siti" in page
    assert "Belum dibayar" in page
    assert "4 hari belum dibayar" in page and "Rp12.000" in page
    assert "collection.css" in page and "style=" not in page and "<script>" not in page
    assert (
        "Warung"
        not in client.get(f"/collection/{here.hall.code}/round?q=zzz")
        .get_data(as_text=True)
        .split('id="round"')[1]
    )


def test_payment_form_preselects_the_oldest_days_and_records_a_receipt(
    client, login_as, here, today
):
    login_as("collector", halls=[here.hall])
    page = client.get(f"/collection/stalls/{here.stall.id}/pay").get_data(as_text=True)
    boxes = dict(re.findall(r'name="days" value="([\d-]+)"([^>]*)>', page))
    # Oldest first: the three days of arrears and today are ticked, days ahead are not.
    for n in range(4):
        assert "checked" in boxes[(today - timedelta(days=n)).isoformat()]
    assert "checked" not in boxes[(today + timedelta(days=1)).isoformat()]
    assert len(boxes) == 4 + 31  # three days of arrears, today, a month ahead
    assert 'id="pay-total">Rp12.000<' in page
    # The total shown travels with the form, which the browser may not fill in again.
    assert re.search(r'name="shown_total" type="hidden" value="12000"', page)
    assert 'id="pay-form" autocomplete="off"' in page
    days = [today - timedelta(days=n) for n in range(4)]
    response, _key = pay_form(client, here.stall.id, days, skip_older=None, shown_total="12000")
    assert response.status_code == 302
    payment = _db.session.scalar(sa.select(Payment))
    assert payment.receipt_number == f"JP01-{today.year}-000001" and payment.amount == 12000
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "JP01-" in page and "dua belas ribu rupiah" in page


def test_paying_newer_days_before_older_ones_needs_the_collectors_confirmation(
    client, login_as, here, today
):
    login_as("collector", halls=[here.hall])
    response, _ = pay_form(client, here.stall.id, [today], skip_older=None)
    assert response.status_code == 400
    assert "lebih lama akan tetap belum dibayar" in response.get_data(as_text=True)
    assert count_rows(Payment) == 0
    response, _ = pay_form(client, here.stall.id, [today], skip_older="y")
    assert response.status_code == 302 and count_rows(Payment) == 1


def test_a_form_whose_days_cost_other_than_the_total_shown_records_nothing(
    client, login_as, here, today
):
    """A browser that restores a hidden pay-ahead tick after Back must not charge it."""
    login_as("collector", halls=[here.hall])
    days = [today - timedelta(days=n) for n in range(4)] + [today + timedelta(days=1)]
    response, _ = pay_form(client, here.stall.id, days, shown_total="12000")
    assert response.status_code == 409
    assert "Rp15.000" in response.get_data(as_text=True)
    assert count_rows(Payment) == 0


def test_all_arrears_pays_every_unpaid_day_and_a_resend_replays(client, login_as, here, today):
    login_as("collector", halls=[here.hall])
    response, key = pay_form(client, here.stall.id, [], all_arrears="y", method="qris")
    assert response.status_code == 302
    payment = _db.session.scalar(sa.select(Payment))
    assert payment.amount == 12000 and len(payment.days) == 4 and payment.method == "qris"
    # The resend finds the arrears paid, yet it is the same request: same receipt.
    again, _ = pay_form(client, here.stall.id, [], key=key, all_arrears="y", method="qris")
    assert again.status_code == 302 and again.headers["Location"] == response.headers["Location"]
    assert count_rows(Payment) == 1
    # A new form with nothing left to pay says so.
    response, _ = pay_form(client, here.stall.id, [], all_arrears="y")
    assert response.status_code == 400
    assert "Tidak ada tunggakan" in response.get_data(as_text=True)


def test_same_idempotency_key_twice_gives_one_payment_and_the_same_receipt(
    client, login_as, here, today
):
    login_as("collector", halls=[here.hall])
    first, key = pay_form(client, here.stall.id, [today])
    second, _ = pay_form(client, here.stall.id, [today], key=key)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count_rows(Payment) == 1
    assert "sudah tercatat" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_a_day_paid_meanwhile_is_refused_with_the_receipt_named(client, login_as, here, today):
    login_as("collector", halls=[here.hall])
    stale_key = form_key(client, here.stall.id)
    pay_form(client, here.stall.id, [today])
    number = _db.session.scalar(sa.select(Payment.receipt_number))
    response, _ = pay_form(client, here.stall.id, [today], key=stale_key + "x")
    assert response.status_code == 409
    assert number in response.get_data(as_text=True)
    assert count_rows(Payment) == 1


@pytest.mark.parametrize("bad", [{"days": ["not-a-date"]}, {"method": "gold"}, {"days": []}])
def test_bad_input_is_a_message_not_a_500(client, login_as, here, today, bad):
    login_as("collector", halls=[here.hall])
    key = form_key(client, here.stall.id)
    data = {"days": [today.isoformat()], "method": "cash", "idempotency_key": key, **bad}
    response = post(
        client, f"/collection/stalls/{here.stall.id}/pay", data, token_from="/collection/"
    )
    assert response.status_code in (400, 422)
    assert count_rows(Payment) == 0


def test_receipt_pdfs_carry_number_stall_days_and_amount(client, login_as, here, today):
    login_as("collector", halls=[here.hall])
    pay_form(client, here.stall.id, [today - timedelta(days=1), today])
    number = _db.session.scalar(sa.select(Payment.receipt_number))
    for size in ("80mm", "a6"):
        response = client.get(f"/collection/receipts/{number}/receipt-{size}.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        text = pdf_text(response.data)
        assert number in text and "A-01" in text and "Warung Bu Siti" in text
        assert "Rp6.000" in text and "enam ribu rupiah" in text
        assert "VOID" not in text
        from hallmgr.core.i18n import format_day

        with client.application.test_request_context("/"):
            first, last = format_day(today - timedelta(days=1)), format_day(today)
        assert first in text and last in text


def test_void_by_manager_prints_void_and_frees_the_days(client, login_as, here, today):
    collector_page = login_as("collector", halls=[here.hall])
    assert collector_page
    pay_form(client, here.stall.id, [today])
    number = _db.session.scalar(sa.select(Payment.receipt_number))
    # A collector cannot void.
    assert post(client, f"/collection/receipts/{number}/void", {"reason": "x"}).status_code == 403
    login_as("manager", halls=[here.hall])
    response = post(client, f"/collection/receipts/{number}/void", {"reason": "salah lapak"})
    assert response.status_code == 302
    payment = _db.session.scalar(sa.select(Payment))
    assert payment.is_void and payment.void_reason == "salah lapak"
    assert _db.session.scalar(sa.select(PaymentDay.covers)) is False
    assert count_rows(AuditEvent, AuditEvent.action == "payment_voided") == 1
    text = pdf_text(client.get(f"/collection/receipts/{number}/receipt-80mm.pdf").data)
    assert "VOID" in text and number in text
    page = client.get(f"/collection/{here.hall.code}/round").get_data(as_text=True)
    assert "Belum dibayar" in page


def test_verification_page_answers_genuine_void_and_not_genuine(client, login_as, here, today, app):
    login_as("collector", halls=[here.hall])
    pay_form(client, here.stall.id, [today])
    payment = _db.session.scalar(sa.select(Payment))
    number = payment.receipt_number
    sig = receipt_signature(app.config["SECRET_KEY"], number)
    post(client, "/auth/logout")
    page = client.get(f"/collection/verify/{number}/{sig}").get_data(as_text=True)
    assert "Asli dan berlaku" in page and "Rp3.000" in page and "A-01" in page
    assert "Siti" not in page and here.business.nik not in page
    forged = client.get(f"/collection/verify/{number}/{'0' * 32}")
    assert forged.status_code == 200 and "Tidak asli" in forged.get_data(as_text=True)
    other = number[:-1] + "9"
    assert "Tidak asli" in client.get(f"/collection/verify/{other}/{sig}").get_data(as_text=True)
    payment.voided_at = payment.recorded_at
    payment.void_reason = "uji"
    _db.session.commit()
    assert "Asli tetapi BATAL" in client.get(f"/collection/verify/{number}/{sig}").get_data(
        as_text=True
    )
    # The short link of the QR code answers the same, its code in either case.
    code = sig[:16].upper()
    assert "Asli tetapi BATAL" in client.get(f"/V/{number}/{code}").get_data(as_text=True)
    assert "Asli tetapi BATAL" in client.get(f"/V/{number}/{code.lower()}").get_data(as_text=True)
    assert "Tidak asli" in client.get(f"/V/{number}/{'0' * 16}").get_data(as_text=True)
    assert "Tidak asli" in client.get(f"/V/{other}/{code}").get_data(as_text=True)


def test_receipt_page_link_verifies(client, login_as, here, today, app):
    login_as("collector", halls=[here.hall])
    pay_form(client, here.stall.id, [today])
    number = _db.session.scalar(sa.select(Payment.receipt_number))
    page = client.get(f"/collection/receipts/{number}").get_data(as_text=True)
    link = re.search(r'href="http://localhost(/V/[^"]+)"', page).group(1)
    assert link == f"/V/{number}/{receipt_signature(app.config['SECRET_KEY'], number)[:16].upper()}"
    assert "Asli dan berlaku" in client.get(link).get_data(as_text=True)


def test_another_halls_stall_and_receipt_answer_404(
    client, login_as, here, make_setup, today, make_hall
):
    there = make_setup(start=today - timedelta(days=1), code="JP02")
    login_as("collector", halls=[there.hall])
    pay_form(client, there.stall.id, [today])
    theirs = _db.session.scalar(sa.select(Payment.receipt_number))
    login_as("collector", halls=[here.hall])
    assert client.get(f"/collection/{there.hall.code}/round").status_code == 404
    assert client.get(f"/collection/stalls/{there.stall.id}/pay").status_code == 404
    response = post(
        client,
        f"/collection/stalls/{there.stall.id}/pay",
        {"days": [today.isoformat()], "method": "cash", "idempotency_key": "abcdefghijk"},
    )
    assert response.status_code == 404
    assert post(client, f"/collection/stalls/{there.stall.id}/closed").status_code == 404
    assert client.get(f"/collection/receipts/{theirs}").status_code == 404
    assert client.get(f"/collection/receipts/{theirs}/receipt-a6.pdf").status_code == 404
    assert client.get(f"/collection/{there.hall.code}/day").status_code == 404
    assert post(client, f"/collection/receipts/{theirs}/void", {"reason": "x"}).status_code == 403
    # A manager of hall A: 404 for B's receipt and deposit form field.
    login_as("manager", halls=[here.hall])
    assert post(client, f"/collection/receipts/{theirs}/void", {"reason": "x"}).status_code == 404
    response = post(
        client,
        f"/collection/{here.hall.code}/day/{today.isoformat()}/deposit",
        {"collector_id": str(there.collector.id), "amount_received": "0"},
    )
    assert count_rows(Deposit) == 0
    assert count_rows(Payment, Payment.voided_at.is_not(None)) == 0


def test_closed_mark_from_the_round(client, login_as, here, today):
    login_as("collector", halls=[here.hall])
    response = post(
        client,
        f"/collection/stalls/{here.stall.id}/closed",
        token_from=f"/collection/{here.hall.code}/round",
    )
    assert response.status_code == 302
    page = client.get(f"/collection/{here.hall.code}/round").get_data(as_text=True)
    assert "Tutup (ditandai)" in page


def test_waiver_page_for_managers_only(client, login_as, here, today):
    login_as("collector", halls=[here.hall])
    assert client.get(f"/collection/stalls/{here.stall.id}/waivers").status_code == 403
    login_as("manager", halls=[here.hall])
    response = post(
        client,
        f"/collection/stalls/{here.stall.id}/waivers",
        {
            "start": (today - timedelta(days=3)).isoformat(),
            "end": (today - timedelta(days=2)).isoformat(),
            "reason": "sakit",
        },
    )
    assert response.status_code == 302
    assert count_rows(Waiver, Waiver.stall_id == here.stall.id) == 2
    response = post(
        client,
        f"/collection/stalls/{here.stall.id}/waivers",
        {"start": "x", "end": "", "reason": ""},
    )
    assert response.status_code == 400


def test_day_summary_deposit_and_report_pdf(client, login_as, here, today):
    collector = login_as("collector", halls=[here.hall])
    pay_form(client, here.stall.id, [today], method="cash")
    pay_form(client, here.stall.id, [today - timedelta(days=1)], method="qris")
    page = client.get(f"/collection/{here.hall.code}/day").get_data(as_text=True)
    assert "Rp3.000" in page and collector.full_name in page
    # Each method with its total, in the methods' order, the unused one at Rp0.
    facts = re.findall(r'<dt class="col-7">([^<]+)</dt><dd class="col-5 num">([^<]+)</dd>', page)
    assert facts[1:4] == [("Tunai", "Rp3.000"), ("QRIS", "Rp3.000"), ("Transfer", "Rp0")]
    assert (
        client.get(f"/collection/{here.hall.code}/day/{today.isoformat()}/report.pdf").status_code
        == 403
    )
    login_as("manager", halls=[here.hall])
    response = post(
        client,
        f"/collection/{here.hall.code}/day/{today.isoformat()}/deposit",
        {"collector_id": str(collector.id), "amount_received": "2500", "note": "kurang"},
    )
    assert response.status_code == 302
    deposit = _db.session.scalar(sa.select(Deposit))
    assert (deposit.amount_received, deposit.cash_expected, deposit.difference) == (
        2500,
        3000,
        -500,
    )
    assert "-Rp500" in client.get(
        f"/collection/{here.hall.code}/day?day={today.isoformat()}"
    ).get_data(as_text=True)
    office = login_as("office")
    assert office
    response = client.get(f"/collection/{here.hall.code}/day/{today.isoformat()}/report.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    number = _db.session.scalar(sa.select(Payment.receipt_number).order_by(Payment.seq))
    assert number in text and "Rp6.000" in text and "-Rp500" in text
    assert "Bendahara" in text and "Petugas pemungut" in text
    # Office reads, never writes.
    assert (
        post(
            client,
            f"/collection/{here.hall.code}/day/{today.isoformat()}/deposit",
            {"collector_id": str(collector.id), "amount_received": "0"},
        ).status_code
        == 403
    )


def test_round_query_count_does_not_grow_with_stalls(
    client, login_as, make_hall, make_class, today, make_user
):
    hall = make_hall(code="JP77")
    stall_class = make_class()
    manager = make_user("manager", [hall])

    def add_stalls(start, n):
        for i in range(start, start + n):
            stall = Stall(
                hall_id=hall.id,
                code=f"S-{i:03d}",
                block="A",
                stall_class_id=stall_class.id,
                status="available",
            )
            business = Business(
                name=f"Usaha {i}",
                owner_name="Pemilik",
                nik=f"3171071708{i:06d}"[:16],
                status="active",
            )
            _db.session.add_all([stall, business])
            _db.session.flush()
            from hallmgr.models import Assignment

            _db.session.add(
                Assignment(
                    stall_id=stall.id,
                    business_id=business.id,
                    start_date=today - timedelta(days=5),
                    decided_by_id=manager.id,
                )
            )
        _db.session.flush()

    def count_queries():
        statements = []

        def listener(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                statements.append(statement)

        engine = _db.session.get_bind()
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            page = client.get(f"/collection/{hall.code}/round")
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        assert page.status_code == 200
        return statements, page.get_data(as_text=True)

    add_stalls(1, 10)
    # Held here, so the session keeps the signed-in user between the two counts.
    collector = login_as("collector", halls=[hall])
    client.get(f"/collection/{hall.code}/round")
    at_10, page = count_queries()
    assert page.count('class="coll-stall') == 10
    add_stalls(11, 390)
    at_400, page = count_queries()
    assert page.count('class="coll-stall') == 400
    assert len(at_400) == len(at_10) and collector


def test_office_reads_every_hall_but_cannot_pay_or_void(client, login_as, here, today):
    login_as("collector", halls=[here.hall])
    pay_form(client, here.stall.id, [today])
    number = _db.session.scalar(sa.select(Payment.receipt_number))
    login_as("office")
    assert client.get(f"/collection/receipts/{number}").status_code == 200
    assert number in pdf_text(client.get(f"/collection/receipts/{number}/receipt-a6.pdf").data)
    assert client.get(f"/collection/{here.hall.code}/round").status_code == 200
    assert client.get(f"/collection/stalls/{here.stall.id}/pay").status_code == 403
    assert post(client, f"/collection/receipts/{number}/void", {"reason": "x"}).status_code == 403
    assert count_rows(Payment, Payment.voided_at.is_(None)) == 1


def test_a_form_without_its_key_is_refused_with_a_message(client, login_as, here, today):
    login_as("collector", halls=[here.hall])
    data = {"days": [today.isoformat()], "method": "cash"}
    response = post(client, f"/collection/stalls/{here.stall.id}/pay", data)
    assert response.status_code == 400
    assert "Formulir ini sudah kedaluwarsa" in response.get_data(as_text=True)
    assert count_rows(Payment) == 0


def test_daily_report_marks_voids_and_totals_per_method(client, login_as, here, today):
    login_as("collector", halls=[here.hall])
    pay_form(client, here.stall.id, [today], method="cash")
    pay_form(client, here.stall.id, [today - timedelta(days=1)], method="transfer")
    first = _db.session.scalar(sa.select(Payment.receipt_number).order_by(Payment.seq))
    login_as("manager", halls=[here.hall])
    post(client, f"/collection/receipts/{first}/void", {"reason": "salah hari"})
    text = pdf_text(
        client.get(f"/collection/{here.hall.code}/day/{today.isoformat()}/report.pdf").data
    )
    assert f"{first} VOID" in text and "salah hari" in text
    assert "LAPORAN PENERIMAAN HARIAN" in text
    # Cash Rp0 (the cash receipt is void), transfer Rp3.000, total Rp3.000.
    lines = text.splitlines()
    totals = lines[lines.index("Semua") + 1 : lines.index("Semua") + 5]
    assert totals == ["Rp0", "Rp0", "Rp3.000", "Rp3.000"]
