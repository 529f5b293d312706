"""The arrears screens, exports and letters through HTTP, as each role sees them."""

from datetime import timedelta

import sqlalchemy as sa

from hallmgr.arrears.models import WarningLetter
from hallmgr.arrears.rules import AgingBucket
from hallmgr.audit.models import AuditEvent
from hallmgr.collection.models import Waiver
from hallmgr.core.days import market_today
from hallmgr.halls.models import Closure
from tests.conftest import count_rows, csrf_token, pdf_text, post


def _two_halls(make_hall, make_stall, make_business, make_assignment):
    """JP hall: a business 10 days behind; JS hall: one 40 days behind."""
    today = market_today()
    jp = make_hall(code="ZP01", name="Sentra Uji Pusat", region="31.71")
    js = make_hall(code="ZS01", name="Sentra Uji Selatan", region="31.74", kecamatan=None)
    a1 = make_assignment(
        make_stall(jp, code="A-01"),
        make_business(name="Warung Ani", owner="Ani Lestari"),
        today - timedelta(days=10),
    )
    a2 = make_assignment(
        make_stall(js, code="B-02"),
        make_business(name='=HYPERLINK("http://x")', owner="-Budi"),
        today - timedelta(days=40),
    )
    return jp, js, a1, a2


def test_the_office_sees_every_hall_with_totals(
    client, login_as, make_hall, make_stall, make_business, make_assignment
):
    jp, js, a1, a2 = _two_halls(make_hall, make_stall, make_business, make_assignment)
    login_as("office")
    page = client.get("/arrears/").get_data(as_text=True)
    assert "Warung Ani" in page and "HYPERLINK" in page
    assert 'id="hall-ZP01"' in page and 'id="hall-ZS01"' in page
    # 10 × Rp3.000 and 40 × Rp3.000, and the grand total of both.
    assert "Rp30.000" in page and "Rp120.000" in page and "Rp150.000" in page
    assert "3171********" in page  # NIK masked

    page = client.get("/arrears/?bucket=31-60").get_data(as_text=True)
    assert "HYPERLINK" in page and "Warung Ani" not in page
    page = client.get("/arrears/?region=31.71&min_days=5").get_data(as_text=True)
    assert "Warung Ani" in page and "HYPERLINK" not in page
    page = client.get("/arrears/?level=sp1").get_data(as_text=True)
    assert "HYPERLINK" in page and "Warung Ani" not in page


def test_the_list_says_what_as_of_means_and_labels_each_stall_of_a_business(
    client, login_as, make_hall, make_stall, make_business, make_assignment
):
    jp, _js, a1, _a2 = _two_halls(make_hall, make_stall, make_business, make_assignment)
    make_assignment(make_stall(jp, code="A-02"), a1.business, a1.start_date + timedelta(days=3))
    login_as("office")
    page = client.get(f"/arrears/?hall={jp.code}").get_data(as_text=True)
    note = page.split('id="as-of-note">')[1].split("<")[0]
    assert "Posisi pada akhir" in note and "tidak dihitung" in note
    # One business with two stalls: two rows, each with its assignment's start, and the
    # totals count it once.
    assert page.count("Warung Ani") == 2 and page.count("sejak ") == 2
    assert "1 usaha, 2 lapak" in page.split('id="grand-total"')[1]
    text = pdf_text(client.get(f"/arrears/export.pdf?hall={jp.code}").data)
    assert "Posisi pada akhir" in text and "1 usaha, 2 lapak" in text


def test_each_aging_bucket_has_its_colours_and_its_total_on_the_list(
    client, login_as, make_hall, make_stall, make_business, make_assignment
):
    _two_halls(make_hall, make_stall, make_business, make_assignment)
    login_as("office")
    page = client.get("/arrears/").get_data(as_text=True)
    with client.get("/static/css/arrears.css") as response:
        css = response.get_data(as_text=True)
    for bucket in AgingBucket:
        name = bucket.replace("+", "plus")
        assert f"aging-card aging-{name}" in page and str(bucket.label) in page
        rule = css.split(f".aging-{name} {{", 1)[1].split("}", 1)[0]
        assert "--aging-pale:" in rule and "--aging-strong:" in rule, bucket


def test_bad_filters_are_ignored_with_a_message_not_a_500(client, login_as, db):
    login_as("office")
    response = client.get("/arrears/?as_of=kemarin&min_days=-3&bucket=zzz")
    assert response.status_code == 200
    assert 'class="invalid-feedback' in response.get_data(as_text=True)


def test_a_date_out_of_the_calendar_is_refused_with_a_message(client, login_as, db):
    login_as("office")
    for path in ("/arrears/", "/arrears/export.csv", "/arrears/export.pdf"):
        response = client.get(path + "?as_of=0001-01-01")
        assert response.status_code == 200, path
    page = client.get("/arrears/?as_of=0001-01-01").get_data(as_text=True)
    assert "Pilih tanggal dari 2000-01-01 sampai 2099-12-31." in page


def test_a_manager_sees_only_their_halls(
    client, login_as, make_hall, make_stall, make_business, make_assignment
):
    jp, js, a1, a2 = _two_halls(make_hall, make_stall, make_business, make_assignment)
    login_as("manager", halls=[jp])
    page = client.get("/arrears/").get_data(as_text=True)
    assert "Warung Ani" in page and "HYPERLINK" not in page
    assert client.get("/arrears/?hall=ZS01").status_code == 404
    assert client.get(f"/arrears/businesses/{a2.business_id}").status_code == 404
    assert client.get(f"/arrears/businesses/{a1.business_id}").status_code == 200
    csv = client.get("/arrears/export.csv").get_data(as_text=True)
    assert "Warung Ani" in csv and "HYPERLINK" not in csv
    text = pdf_text(client.get("/arrears/export.pdf").data)
    assert "Warung Ani" in text and "HYPERLINK" not in text


def test_a_collector_sees_no_arrears(client, login_as, db):
    login_as("collector")
    assert client.get("/arrears/").status_code == 403
    assert client.get("/arrears/export.csv").status_code == 403


def test_csv_opens_in_an_indonesian_spreadsheet_and_defuses_formulas(
    client, login_as, make_hall, make_stall, make_business, make_assignment
):
    _two_halls(make_hall, make_stall, make_business, make_assignment)
    login_as("office")
    response = client.get("/arrears/export.csv")
    assert response.mimetype == "text/csv"
    # One charset parameter, not "text/csv; charset=utf-8; charset=utf-8".
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeffNo.;Wilayah;Sentra;Lapak;")
    lines = body.splitlines()
    hyperlink = next(line for line in lines if "HYPERLINK" in line)
    assert ';"\'=HYPERLINK(""http' in hyperlink and ";'-Budi;" in hyperlink
    assert ";40;120000;" in hyperlink  # numbers stay numbers


def test_the_pdf_holds_filters_subtotals_and_grand_total(
    client, login_as, make_hall, make_stall, make_business, make_assignment
):
    _two_halls(make_hall, make_stall, make_business, make_assignment)
    login_as("office")
    response = client.get("/arrears/export.pdf?region=31.71")
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "DAFTAR TUNGGAKAN RETRIBUSI" in text
    assert "Kota Administrasi Jakarta Pusat" in text  # the region filter
    assert "Subtotal ZP01" in text and "Total keseluruhan" in text
    assert "Rp30.000" in text and "Warung Ani" in text and "HYPERLINK" not in text
    assert "Halaman 1 dari 1" in text and "Dicetak oleh" in text

    text = pdf_text(client.get("/arrears/export.pdf").data)
    assert "Subtotal ZP01" in text and "Subtotal ZS01" in text
    assert "Rp150.000" in text  # grand total


def test_a_longer_list_repeats_its_header_on_every_page(
    db, client, login_as, make_hall, make_stall, make_business, make_assignment
):
    hall = make_hall(code="ZL01")
    start = market_today() - timedelta(days=3)
    for n in range(120):
        make_assignment(make_stall(hall, code=f"L-{n:03d}"), make_business(), start)
    login_as("office")
    reader_text = pdf_text(client.get("/arrears/export.pdf?hall=ZL01").data)
    pages = reader_text.split("Halaman ")
    assert "Halaman 3 dari 3" in reader_text or "Halaman 4 dari 4" in reader_text
    assert reader_text.count("Tunggakan terlama") >= len(pages) - 1
    assert "L-119" in reader_text and "Rp1.080.000" in reader_text  # 120 × 3 × Rp3.000


def test_the_ledger_shows_each_day_paid_waived_closed_or_unpaid(
    db, client, login_as, make_hall, make_stall, make_business, make_assignment, make_user
):
    from tests.arrears.conftest import days

    today = market_today()
    hall = make_hall(code="ZG01")
    stall = make_stall(hall, code="G-01")
    a = make_assignment(stall, make_business(name="Kopi Gita"), today - timedelta(days=6))
    manager = make_user("manager", halls=[hall])
    db.session.add(
        Waiver(
            stall_id=stall.id,
            day=today - timedelta(days=5),
            reason="Sakit DBD",
            created_by_id=manager.id,
        )
    )
    db.session.add(
        Closure(
            hall_id=hall.id,
            start_date=today - timedelta(days=4),
            end_date=today - timedelta(days=4),
            kind="flood",
            reason="Banjir rob",
        )
    )
    db.session.flush()
    from hallmgr.collection.services import record_payment
    from hallmgr.core.days import utcnow

    payment, _ = record_payment(
        make_user("collector", halls=[hall]),
        stall,
        [today - timedelta(days=6)],
        "cash",
        today=today,
        now=utcnow(),
        advance_days=31,
    )
    login_as("office")
    page = client.get(f"/arrears/businesses/{a.business_id}").get_data(as_text=True)
    assert payment.receipt_number in page and "Lunas" in page
    assert "Sakit DBD" in page and "Dibebaskan" in page
    assert "Banjir rob" in page and "Tutup" in page
    assert "Belum dibayar" in page and "Jatuh tempo hari ini" in page
    # 6 days back: 1 paid, 1 waived, 1 closed: 3 unpaid.
    assert "3 hari belum dibayar" in page and "Rp9.000" in page
    assert len(days(today - timedelta(days=6), today)) == 7


def test_a_manager_issues_a_letter_recorded_with_a_number(
    db, client, login_as, make_hall, make_stall, make_business, make_assignment
):
    jp, js, a1, a2 = _two_halls(make_hall, make_stall, make_business, make_assignment)
    manager = login_as("manager", halls=[js])
    token_page = f"/arrears/businesses/{a2.business_id}"
    response = post(
        client, f"/arrears/assignments/{a2.id}/letters", {"level": "sp1"}, token_from=token_page
    )
    assert response.status_code == 302
    letter = db.session.scalar(sa.select(WarningLetter).where(WarningLetter.assignment_id == a2.id))
    year = market_today().year
    assert letter.number.startswith("0001/SP1/ZS01/") and letter.number.endswith(f"/{year}")
    assert (letter.unpaid_days, letter.amount, letter.level) == (40, 120_000, "sp1")
    assert letter.deadline == market_today() + timedelta(days=7)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "warning_letter_issued")
    )
    assert event.actor_id == manager.id and event.after["number"] == letter.number
    assert "3171****" in event.after["nik"]

    text = pdf_text(client.get(f"/arrears/letters/{letter.id}.pdf").data)
    assert letter.number in text and "Rp120.000" in text and "40 hari" in text
    assert "SURAT PERINGATAN PERTAMA (SP1)" in text and "Pengelola sentra" in text
    assert "paling lambat" in text and "(____________________)" in text

    # A manager of another hall does not see the letter.
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as("manager", halls=[jp])
    assert client.get(f"/arrears/letters/{letter.id}.pdf").status_code == 404
    assert letter.number not in client.get("/arrears/letters").get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as("manager", halls=[js])

    # A second click the same day issues nothing more.
    post(client, f"/arrears/assignments/{a2.id}/letters", {"level": "sp1"}, token_from=token_page)
    assert count_rows(WarningLetter) == 1

    # Not above its level: SP2 needs more than 60 days.
    response = post(
        client, f"/arrears/assignments/{a2.id}/letters", {"level": "sp2"}, token_from=token_page
    )
    assert count_rows(WarningLetter) == 1
    # Another hall's assignment does not exist for this manager.
    response = post(
        client, f"/arrears/assignments/{a1.id}/letters", {"level": "teguran"}, token_from=token_page
    )
    assert response.status_code == 404


def test_letters_for_a_whole_hall_in_one_pdf(
    db, client, login_as, make_hall, make_stall, make_business, make_assignment
):
    today = market_today()
    hall = make_hall(code="ZB01")
    for n, back in enumerate((5, 12, 35, 95)):
        make_assignment(
            make_stall(hall, code=f"K-{n}"),
            make_business(name=f"Usaha {back}"),
            today - timedelta(days=back),
        )
    login_as("manager", halls=[hall])
    response = post(
        client, "/arrears/halls/ZB01/letters", {"level": "teguran"}, token_from="/arrears/letters"
    )
    assert response.status_code == 302 and "/arrears/letters/batch/" in response.location
    levels = sorted(db.session.scalars(sa.select(WarningLetter.level)).all())
    assert levels == ["sp1", "sp3", "teguran"]  # 12, 35 and 95 days; 5 days is below
    text = pdf_text(client.get(response.location).data)
    assert "Usaha 12" in text and "Usaha 35" in text and "Usaha 95" in text
    assert "Usaha 5\n" not in text
    assert "SURAT TEGURAN" in text and "dicabut" in text  # the SP3 recommendation
    # Issued again the same day: nothing new.
    post(client, "/arrears/halls/ZB01/letters", {"level": "teguran"}, token_from="/arrears/letters")
    assert count_rows(WarningLetter) == 3


def test_the_office_cannot_post_anything(client, login_as, app, db, make_hall):
    hall = make_hall(code="ZO01")
    login_as("office")
    token = csrf_token(client, "/arrears/")
    posted = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or not rule.endpoint.startswith(("arrears.", "reports.")):
            continue
        url = rule.rule.replace("<int:assignment_id>", "1").replace("<code>", hall.code)
        response = client.post(url, data={"csrf_token": token, "level": "teguran"})
        posted.append((rule.endpoint, response.status_code))
    assert posted and all(status == 403 for _endpoint, status in posted)
    assert count_rows(WarningLetter) == 0


def test_the_ledger_shows_credits_to_settle(
    db, client, login_as, make_hall, make_stall, make_business, make_assignment, make_user
):
    from hallmgr.assignments.services import end_assignment
    from hallmgr.collection.services import record_payment
    from hallmgr.core.days import utcnow
    from hallmgr.halls.services import add_closure

    today = market_today()
    hall = make_hall(code="ZK01")
    stall = make_stall(hall, code="K-01")
    a = make_assignment(stall, make_business(name="Usaha Kredit"), today - timedelta(days=2))
    payment, _ = record_payment(
        make_user("collector", halls=[hall]),
        stall,
        [today + timedelta(days=n) for n in range(-2, 4)],
        "qris",
        today=today,
        now=utcnow(),
        advance_days=31,
    )
    manager = make_user("manager", halls=[hall])
    # A flood closes tomorrow, and the assignment ends the day after.
    add_closure(
        manager,
        hall_id=hall.id,
        start_date=today + timedelta(days=1),
        end_date=today + timedelta(days=1),
        kind="flood",
        reason="Banjir",
        today=today,
        now=utcnow(),
    )
    end_assignment(
        manager, a, today + timedelta(days=2), "pindah", today, utcnow(), backdate_days=7
    )
    db.session.flush()
    login_as("office")
    page = client.get(f"/arrears/businesses/{a.business_id}").get_data(as_text=True)
    credits = page.split('class="alert alert-warning credits"')[1].split("</div>")[0]
    assert "Kredit: dibayar untuk hari yang tidak lagi menjadi kewajiban usaha ini" in credits
    # Tomorrow, closed: Rp3.000; the last day, after the end: Rp3.000; both to settle.
    assert "Sentra tutup pada hari yang sudah dibayar" in credits
    assert "Penempatan berakhir sebelum hari yang sudah dibayar di muka" in credits
    assert credits.count("Rp3.000 ·") == 2 and credits.count("belum diselesaikan") == 2
    assert payment.receipt_number in credits


def test_the_list_and_its_exports_take_the_same_queries_for_1_or_6_halls(
    db, app, client, login_as, make_hall, make_class, make_business, make_user
):
    from tests.arrears.conftest import count_statements, province

    login_as("office")
    province(db, make_hall, make_class, make_business, make_user, halls=1, stalls=10)
    small = {
        url: count_statements(db, lambda u=url: client.get(u))[0]
        for url in ("/arrears/", "/arrears/export.csv", "/arrears/export.pdf", "/reports/")
    }
    province(db, make_hall, make_class, make_business, make_user, halls=6, stalls=400)
    large = {}
    for url in small:
        n, response = count_statements(db, lambda u=url: client.get(u))
        assert response.status_code == 200
        large[url] = n
    assert small == large
