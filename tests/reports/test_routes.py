"""Dashboards and registers, as the office and a manager see them."""

import re
from datetime import UTC, datetime, timedelta

from hallmgr.arrears.rules import AgingBucket
from hallmgr.collection.models import ClosedMark
from hallmgr.collection.services import record_payment
from hallmgr.core.days import market_today, utcnow
from hallmgr.reports.charts import bar_chart


def _pay(db, make_user, hall, stall, days):
    collector = make_user("collector", halls=[hall])
    payment, _ = record_payment(
        collector, stall, days, "cash", today=market_today(), now=utcnow(), advance_days=31
    )
    db.session.flush()
    return payment


def test_the_dashboard_shows_occupancy_collection_rate_and_aging(
    db, client, login_as, make_hall, make_stall, make_business, make_assignment, make_user
):
    today = market_today()
    month_start = today.replace(day=1)
    hall = make_hall(code="ZD01", name="Sentra Dasbor")
    s1, s2, _s3 = (make_stall(hall, code=f"D-{n}") for n in range(3))
    make_stall(hall, code="D-X", status="retired")
    make_assignment(s1, make_business(), month_start)
    make_assignment(s2, make_business(), today)
    _pay(db, make_user, hall, s1, [today])
    _pay(db, make_user, hall, s2, [today])
    other = make_hall(code="ZD02", name="Sentra Lain")

    login_as("office")
    page = client.get("/reports/?hall=ZD01").get_data(as_text=True)
    n = today.day
    # 2 of 3 stalls (the retired one does not count): 67 %.
    assert "67%" in page and "2 dari 3 lapak" in page
    # Both paid today's Rp3.000: Rp6.000 collected against Rp6.000 due.
    assert 'id="collected-today">Rp6.000' in page
    assert "jatuh tempo hari ini: Rp6.000" in page
    # The month: n days of s1 and today of s2 due, two days paid.
    due_month = n * 3000 + 3000
    assert f"Rp6.000 / Rp{due_month:,}".replace(",", ".") in page
    assert f"{round(100 * 6000 / due_month)}%" in page
    arrears = (n - 1) * 3000
    assert f'id="arrears-total">Rp{arrears:,}'.replace(",", ".") in page
    assert page.count('class="bar"') == 30  # the last 30 days
    # A bar per aging bucket, in its order, coloured by its bucket's class.
    classes = re.findall(r'class="bar aging-bar aging-([^"]+)"', page)
    assert classes == [bucket.replace("+", "plus") for bucket in AgingBucket]
    assert f'id="hall-{other.code}"' not in page
    assert f'id="hall-{other.code}"' in client.get("/reports/").get_data(as_text=True)


def test_a_manager_sees_only_their_halls_on_the_dashboard(
    db, client, login_as, make_hall, make_stall, make_business, make_assignment
):
    mine = make_hall(code="ZM01", name="Sentra Saya")
    make_hall(code="ZM02", name="Sentra Tetangga")
    login_as("manager", halls=[mine])
    page = client.get("/reports/").get_data(as_text=True)
    assert "Sentra Saya" in page and "Sentra Tetangga" not in page
    assert client.get("/reports/?hall=ZM02").status_code == 404


def test_idle_stalls_are_those_marked_closed_often(
    db, client, login_as, make_hall, make_stall, make_business, make_assignment, make_user
):
    today = market_today()
    hall = make_hall(code="ZI01")
    idle = make_stall(hall, code="I-01")
    busy = make_stall(hall, code="I-02")
    make_assignment(idle, make_business(name="Usaha Sepi"), today - timedelta(days=40))
    collector = make_user("collector", halls=[hall])
    for back in range(1, 13):
        db.session.add(
            ClosedMark(
                stall_id=idle.id, day=today - timedelta(days=back), marked_by_id=collector.id
            )
        )
    for back in range(1, 4):
        db.session.add(
            ClosedMark(
                stall_id=busy.id, day=today - timedelta(days=back), marked_by_id=collector.id
            )
        )
    db.session.flush()
    login_as("office")
    page = client.get("/reports/idle-stalls?min_days=10").get_data(as_text=True)
    assert "I-01" in page and "Usaha Sepi" in page and '<td class="text-end">12</td>' in page
    assert "I-02" not in page
    assert "I-02" in client.get("/reports/idle-stalls?min_days=3").get_data(as_text=True)


def test_fairness_shows_reasons_and_owners_over_the_limit(
    db, client, login_as, make_hall, make_stall, make_business, make_assignment
):
    today = market_today()
    hall = make_hall(code="ZF01")
    a = make_assignment(make_stall(hall), make_business(name="Usaha Prioritas"), today)
    a.out_of_order_reason = "Korban kebakaran pasar, rekomendasi lurah"
    greedy = make_business(name="Usaha Dua Lapak")
    make_assignment(make_stall(hall), greedy, today - timedelta(days=5))
    make_assignment(make_stall(hall), greedy, today - timedelta(days=2))
    db.session.flush()
    login_as("office")
    page = client.get("/reports/fairness").get_data(as_text=True)
    assert "Korban kebakaran pasar, rekomendasi lurah" in page and "Usaha Prioritas" in page
    assert "Usaha Dua Lapak" in page and "melebihi batas" in page
    assert greedy.nik not in page and greedy.nik_masked in page


def test_the_void_register_lists_who_when_and_why(
    db, client, login_as, make_hall, make_stall, make_business, make_assignment, make_user
):
    today = market_today()
    hall = make_hall(code="ZV01")
    stall = make_stall(hall)
    make_assignment(stall, make_business(name="Usaha Batal"), today - timedelta(days=3))
    payment = _pay(db, make_user, hall, stall, [today - timedelta(days=1)])
    manager = make_user("manager", halls=[hall])
    manager.full_name = "Bu Manajer"
    payment.voided_at = datetime.now(UTC)
    payment.voided_by_id = manager.id
    payment.void_reason = "Salah pilih lapak"
    for d in payment.days:
        d.void = True
    kept = _pay(db, make_user, hall, stall, [today - timedelta(days=2)])
    login_as("manager", halls=[hall])
    page = client.get("/reports/voids").get_data(as_text=True)
    assert payment.receipt_number in page and "Salah pilih lapak" in page and "Bu Manajer" in page
    assert kept.receipt_number not in page
    assert "1 karcis dibatalkan" in page


def test_bar_geometry_scales_to_the_largest_value():
    bars = bar_chart([("a", 0), ("b", 50), ("c", 100)], width=300, height=100, gap=0)
    assert [b.height for b in bars] == [0, 50, 100]
    assert [b.y for b in bars] == [100, 50, 0]
    assert [b.x for b in bars] == [0, 100, 200]
    assert bar_chart([]) == []
    assert [b.height for b in bar_chart([("a", 0)])] == [0]


def test_the_daily_chart_dates_neither_overlap_nor_leave_the_chart(db, client, login_as):
    login_as("office")
    page = client.get("/reports/").get_data(as_text=True)
    chart = page[
        page.index('id="chart-daily"') : page.index("</svg>", page.index('id="chart-daily"'))
    ]
    ticks = re.findall(
        r'<text class="tick" x="([0-9.]+)" y="165" text-anchor="(\w+)">([^<]+)<', chart
    )
    assert len(ticks) == 5  # 30 days: one date a week, the last day's among them
    xs = [float(x) for x, _anchor, _label in ticks]
    # About 45 units for "dd/mm/yy" at 10px: centres a week (140 units) apart stay clear.
    assert all(b - a >= 100 for a, b in zip(xs, xs[1:], strict=False))
    assert xs[0] - 25 >= 0
    assert ticks[-1][1] == "end" and xs[-1] <= 600
