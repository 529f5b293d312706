"""Dashboards and registers for the office (every hall) and managers (their halls)."""

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from hallmgr.arrears.rules import AgingBucket
from hallmgr.arrears.services import thresholds_from
from hallmgr.auth.policy import allow, load_in_scope, scope_filter, visible_hall_ids
from hallmgr.auth.roles import Permission
from hallmgr.core.days import market_today
from hallmgr.core.i18n import format_day
from hallmgr.core.web import day_arg
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Region
from hallmgr.reports import services
from hallmgr.reports.charts import bar_chart

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _scope():
    ids = visible_hall_ids(current_user)
    return None if ids is None else frozenset(ids)


def _choices():
    regions = db.session.execute(sa.select(Region.code, Region.name).order_by(Region.code)).all()
    halls = db.session.execute(
        sa.select(Hall.code, Hall.name)
        .where(scope_filter(current_user, Hall.id))
        .order_by(Hall.code)
    ).all()
    return regions, halls


@bp.route("/")
@allow(Permission.READ_REPORTS)
def dashboard():
    regions, halls = _choices()
    region = request.args.get("region", "").strip() or None
    if region not in {r.code for r in regions}:
        region = None
    hall = request.args.get("hall", "").strip() or None
    if hall:
        load_in_scope(Hall, hall, key=Hall.code)  # another hall's code answers 404
    today = market_today()
    data = services.dashboard(
        _scope(), today, thresholds_from(current_app.config), region=region, hall=hall
    )
    daily = bar_chart([(format_day(d, "short"), v) for d, v in data.daily], width=600, height=150)
    aging = bar_chart(
        [(str(bucket.label), data.total.arrears[bucket]) for bucket in AgingBucket],
        width=600,
        height=150,
        gap=24,
    )
    return render_template(
        "reports/dashboard.html",
        data=data,
        daily=daily,
        aging=list(zip(AgingBucket, aging, strict=True)),
        regions=regions,
        halls=halls,
        region=region,
        hall=hall,
        buckets=AgingBucket,
    )


@bp.route("/idle-stalls")
@allow(Permission.READ_REPORTS)
def idle_stalls():
    min_days = request.args.get("min_days", type=int) or current_app.config["IDLE_STALL_MIN_DAYS"]
    min_days = max(1, min(min_days, 30))
    rows = services.idle_stalls(_scope(), market_today(), min_days)
    return render_template("reports/idle_stalls.html", rows=rows, min_days=min_days)


@bp.route("/fairness")
@allow(Permission.READ_REPORTS)
def fairness():
    limit = int(current_app.config["MAX_STALLS_PER_OWNER"])
    return render_template(
        "reports/fairness.html",
        out_of_order=services.out_of_order_assignments(_scope()),
        owners=services.owners_near_limit(_scope(), market_today(), limit),
        limit=limit,
    )


@bp.route("/voids")
@allow(Permission.READ_REPORTS)
def voids():
    since, until = day_arg("since", None), day_arg("until", None)
    rows = services.void_register(_scope(), since=since, until=until)
    return render_template(
        "reports/voids.html", rows=rows, since=since, until=until, total=sum(r.amount for r in rows)
    )
