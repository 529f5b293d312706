"""Demo data: six halls, their stalls, businesses, assignments and 60 days of payments.

Deterministic (a fixed random seed) and loaded once: a database that has halls is left alone.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from hallmgr.arrears import dues
from hallmgr.assignments.models import Assignment
from hallmgr.auth.models import User
from hallmgr.auth.services import hash_password
from hallmgr.businesses.models import Application, Business
from hallmgr.collection import rules as collection_rules
from hallmgr.collection.models import Payment, PaymentDay, Waiver
from hallmgr.core.days import WIB, market_today, utcnow
from hallmgr.core.models import NumberSequence
from hallmgr.extensions import db
from hallmgr.halls.models import Closure, Hall, Stall, StallClass, Tariff
from hallmgr.halls.services import import_national_holidays, load_regions

DEMO_PASSWORD = "hallmgr-demo"
DEMO_USERS = (
    ("admin", "administrator: users, halls, tariffs, closures"),
    ("office", "UMKM office: every hall, read-only"),
    ("manager", "hall manager of JP01 and JS01"),
    ("collector", "collector of JP01"),
)

HALLS = (
    # code, name, region, kecamatan, address
    ("KS01", "Sentra UMKM Pulau Pramuka", "31.01", "31.01.01", "Jl. Pulau Pramuka No. 2"),
    ("JP01", "Sentra UMKM Tanah Abang", "31.71", "31.71.07", "Jl. Jati Baru Raya No. 10"),
    ("JU01", "Sentra UMKM Koja", "31.72", "31.72.03", "Jl. Bhayangkara No. 5"),
    ("JB01", "Sentra UMKM Cengkareng", "31.73", "31.73.01", "Jl. Kamal Raya No. 21"),
    ("JS01", "Sentra UMKM Tebet", "31.74", "31.74.01", "Jl. Tebet Raya No. 44"),
    ("JT01", "Sentra UMKM Jatinegara", "31.75", "31.75.03", "Jl. Bekasi Barat No. 8"),
)
CLASSES = (
    # code, name, stalls per hall, block, rate
    ("kios", "Kios", 12, "A", 5000),
    ("los", "Los", 14, "B", 3000),
    ("pelataran", "Pelataran", 14, "C", 2000),
)
FIRST_NAMES = (
    "Siti",
    "Budi",
    "Dewi",
    "Agus",
    "Sri",
    "Rina",
    "Joko",
    "Wati",
    "Ahmad",
    "Nur",
    "Yanti",
    "Hendra",
    "Fitri",
    "Bambang",
    "Lestari",
    "Rudi",
    "Ani",
    "Eko",
    "Maya",
    "Dedi",
    "Ratna",
    "Slamet",
    "Indah",
    "Yusuf",
    "Ayu",
    "Hadi",
    "Putri",
    "Tono",
    "Evi",
    "Iwan",
)
LAST_NAMES = (
    "Rahayu",
    "Santoso",
    "Lestari",
    "Wijaya",
    "Hidayat",
    "Saputra",
    "Kurniawan",
    "Susanti",
    "Pratama",
    "Setiawan",
    "Nasution",
    "Siregar",
    "Halim",
    "Sitompul",
    "Wulandari",
    "Gunawan",
)
TRADES = (
    ("Warung", "kuliner"),
    ("Kedai Kopi", "kuliner"),
    ("Batik", "fesyen"),
    ("Jahit", "jasa"),
    ("Sembako", "retail"),
    ("Pulsa & Aksesoris", "retail"),
    ("Kue Basah", "kuliner"),
    ("Kerajinan", "kriya"),
    ("Sayur Segar", "retail"),
    ("Jamu", "kuliner"),
    ("Sepatu", "fesyen"),
    ("Servis HP", "jasa"),
)
FEMALE = {
    "Siti",
    "Dewi",
    "Sri",
    "Rina",
    "Wati",
    "Nur",
    "Yanti",
    "Fitri",
    "Lestari",
    "Ani",
    "Maya",
    "Ratna",
    "Indah",
    "Ayu",
    "Putri",
    "Evi",
}
N_BUSINESSES = 170
N_ASSIGNED = 150
HISTORY_DAYS = 60


def _nik(rng: random.Random, female: bool, index: int) -> str:
    regency = rng.choice(["71", "72", "73", "74", "75", "01"])
    kecamatan = f"{rng.randint(1, 8):02d}"
    born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 15000))
    day = born.day + (40 if female else 0)
    return f"31{regency}{kecamatan}{day:02d}{born.month:02d}{born.year % 100:02d}{index + 1:04d}"


def _demo_users(halls: dict[str, Hall]) -> list[User]:
    pw = hash_password(DEMO_PASSWORD)

    def user(username, full_name, role, hall_codes=()):
        return User(
            username=username,
            full_name=full_name,
            role=role,
            password_hash=pw,
            active=True,
            failed_logins=0,
            session_version=1,
            halls=[halls[c] for c in hall_codes],
        )

    users = [
        user("admin", "Admin Dinas", "admin"),
        user("office", "Auditor Dinas PPKUKM", "office"),
        user("manager", "Rahmat Hidayat", "manager", ("JP01", "JS01")),
        user("collector", "Sari Wulandari", "collector", ("JP01",)),
    ]
    # One more collector per hall, so every hall's history has someone who took it.
    for code in halls:
        if code != "JP01":
            users.append(user(f"kolektor.{code.lower()}", f"Kolektor {code}", "collector", (code,)))
    return users


def seed_demo(today: date | None = None) -> bool:
    """Load the demo data; False when the database already has halls."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Hall)):
        return False
    today = today or market_today()
    rng = random.Random(20260817)
    now = utcnow()
    load_regions()
    for year in sorted({today.year, (today - timedelta(days=HISTORY_DAYS + 40)).year}):
        import_national_holidays(None, year, now, today=today)

    classes = {}
    for code, name, _n, _block, rate in CLASSES:
        sc = StallClass(code=code, name=name)
        sc.tariffs = [
            Tariff(
                effective_from=date(2025, 1, 1),
                daily_rate=rate,
                regulation="Pergub DKI Jakarta No. 12 Tahun 2024 (contoh)",
            )
        ]
        classes[code] = sc
        db.session.add(sc)
    # A rate change inside the history: kios goes from Rp5.000 to Rp6.000.
    classes["kios"].tariffs.append(
        Tariff(
            effective_from=today - timedelta(days=20),
            daily_rate=6000,
            regulation="Pergub DKI Jakarta No. 7 Tahun 2026 (contoh)",
        )
    )

    halls: dict[str, Hall] = {}
    stalls: list[Stall] = []
    for code, name, region, kecamatan, address in HALLS:
        # Kepulauan Seribu's hall closes on Mondays (the boat day); the rest open daily.
        open_days = 0b1111110 if code == "KS01" else 0b1111111
        hall = Hall(
            code=code,
            name=name,
            region_code=region,
            kecamatan_code=kecamatan,
            address=address,
            status="active",
            open_days=open_days,
        )
        halls[code] = hall
        db.session.add(hall)
        for class_code, _name, count, block, _rate in CLASSES:
            for i in range(1, count + 1):
                status = "maintenance" if (block == "C" and i == count) else "available"
                stalls.append(
                    Stall(
                        hall=hall,
                        code=f"{block}-{i:02d}",
                        block=block,
                        area_dm2=900 if block == "A" else 400 if block == "B" else 250,
                        stall_class=classes[class_code],
                        status=status,
                    )
                )
    db.session.add_all(stalls)
    users = _demo_users(halls)
    db.session.add_all(users)
    db.session.flush()
    collector_of = {}
    for u in users:
        if u.role == "collector":
            collector_of[u.halls[0].id] = u
    manager = next(u for u in users if u.username == "manager")

    # A one-day renovation closure of JS01 inside the history.
    db.session.add(
        Closure(
            hall_id=halls["JS01"].id,
            start_date=today - timedelta(days=12),
            end_date=today - timedelta(days=12),
            kind="renovation",
            reason="Perbaikan atap blok B",
            created_by_id=manager.id,
        )
    )

    businesses = []
    for i in range(N_BUSINESSES):
        first = rng.choice(FIRST_NAMES)
        owner = f"{first} {rng.choice(LAST_NAMES)}"
        trade, category = rng.choice(TRADES)
        businesses.append(
            Business(
                name=f"{trade} {first} {i + 1}",
                owner_name=owner,
                nik=_nik(rng, first in FEMALE, i),
                phone=f"08{rng.randint(11, 99)}{rng.randint(10_000_000, 99_999_999)}",
                address=f"Jl. Contoh No. {rng.randint(1, 200)}, Jakarta",
                category=category,
                okoce_member_no=f"OKOCE-{rng.randint(100000, 999999)}"
                if rng.random() < 0.6
                else None,
                status="active",
            )
        )
    db.session.add_all(businesses)
    db.session.flush()

    assignable = [s for s in stalls if s.status == "available"]
    rng.shuffle(assignable)
    chosen_stalls = assignable[:N_ASSIGNED]
    assignments = []
    for business, stall in zip(businesses[:N_ASSIGNED], chosen_stalls, strict=True):
        start = today - timedelta(days=rng.choice([HISTORY_DAYS] * 6 + [45, 30, 14, 7]))
        assignments.append(
            Assignment(
                stall_id=stall.id,
                business_id=business.id,
                start_date=start,
                decided_by_id=manager.id,
                decided_at=now,
                out_of_order_reason="Penempatan awal saat data dipindahkan dari buku manual",
            )
        )
    db.session.add_all(assignments)
    # The rest wait for a stall.
    for k, business in enumerate(businesses[N_ASSIGNED:]):
        hall = list(halls.values())[k % len(halls)]
        db.session.add(
            Application(
                hall_id=hall.id,
                stall_class_id=classes[CLASSES[k % 3][0]].id,
                business_id=business.id,
                applied_at=now - timedelta(days=30 - k),
                status="waiting",
                declines=0,
                created_by_id=manager.id,
            )
        )
    db.session.flush()

    # Two sick days waived.
    db.session.add(
        Waiver(
            stall_id=assignments[0].stall_id,
            day=today - timedelta(days=5),
            reason="Sakit (surat dokter)",
            created_by_id=manager.id,
        )
    )
    db.session.add(
        Waiver(
            stall_id=assignments[0].stall_id,
            day=today - timedelta(days=4),
            reason="Sakit (surat dokter)",
            created_by_id=manager.id,
        )
    )
    db.session.flush()
    _seed_payments(rng, today, assignments, collector_of)
    return True


@dataclass(frozen=True)
class DueDay:
    day: date
    rate: int
    hall_id: int


def _seed_payments(rng, today, assignments, collector_of) -> None:
    """Receipts for the history, by each business's habit, numbered per hall and year."""
    yesterday = today - timedelta(days=1)
    since = today - timedelta(days=HISTORY_DAYS)
    by_assignment: dict[int, list] = {}
    for account in dues.accounts(yesterday):
        by_assignment[account.assignment_id] = [
            DueDay(day, account.prices.rate_on(day), account.tenancy.hall_id)
            for day in account.due.between(since, yesterday)
        ]
    habits = ["daily"] * 55 + ["weekly"] * 20 + ["behind"] * 15 + ["stopped"] * 10
    receipts = []  # (business_day, hall_id, stall_id, business_id, assignment_id, [(day, rate)])
    for a in assignments:
        days = by_assignment.get(a.id, [])
        if not days:
            continue
        habit = rng.choice(habits)
        hall_id = days[0].hall_id
        if habit == "daily":
            for d in days:
                if rng.random() < 0.93:
                    receipts.append((d.day, hall_id, a.stall_id, a.business_id, a.id, [d]))
        elif habit == "weekly":
            for k in range(0, len(days), 7):
                chunk = days[k : k + 7]
                receipts.append((chunk[-1].day, hall_id, a.stall_id, a.business_id, a.id, chunk))
        elif habit == "behind":
            paid_until = len(days) - rng.randint(8, 35)
            for k in range(0, max(paid_until, 0), 3):
                chunk = days[k : min(k + 3, paid_until)]
                receipts.append((chunk[-1].day, hall_id, a.stall_id, a.business_id, a.id, chunk))
        # "stopped": never paid in the window (months behind, for the arrears list)
    receipts.sort(key=lambda r: (r[0], r[1], r[2]))
    seq: dict[tuple[int, int], int] = {}
    hall_codes = dict(db.session.execute(sa.select(Hall.id, Hall.code)).tuples().all())
    for business_day, hall_id, stall_id, business_id, assignment_id, days in receipts:
        key = (hall_id, business_day.year)
        seq[key] = seq.get(key, 0) + 1
        recorded = datetime.combine(business_day, time(9, 0), WIB) + timedelta(
            minutes=rng.randint(0, 480)
        )
        payment = Payment(
            receipt_number=collection_rules.receipt_number(
                hall_codes[hall_id], business_day.year, seq[key]
            ),
            hall_id=hall_id,
            year=business_day.year,
            seq=seq[key],
            stall_id=stall_id,
            business_id=business_id,
            assignment_id=assignment_id,
            amount=sum(d.rate for d in days),
            method=rng.choice(["cash"] * 4 + ["qris"]),
            collector_id=collector_of[hall_id].id,
            recorded_at=recorded,
            business_day=business_day,
        )
        payment.days = [
            PaymentDay(
                stall_id=stall_id,
                assignment_id=assignment_id,
                day=d.day,
                rate=d.rate,
            )
            for d in days
        ]
        db.session.add(payment)
    for (hall_id, year), last in seq.items():
        db.session.add(
            NumberSequence(kind="receipt", scope=hall_codes[hall_id], year=year, last_value=last)
        )
    db.session.flush()
