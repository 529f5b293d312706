import sqlalchemy as sa
from flask import Blueprint, render_template, request

from hallmgr.audit.models import AuditEvent
from hallmgr.auth.policy import allow
from hallmgr.auth.roles import Permission
from hallmgr.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 100


@bp.route("/")
@allow(Permission.READ_AUDIT_LOG)
def events():
    action = request.args.get("action", "").strip()[:40]
    actor = request.args.get("actor", "").strip()[:64]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor_name == actor)
    rows = db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    actions = db.session.scalars(
        sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    return render_template(
        "audit/events.html",
        events=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        page=page,
        action=action,
        actor=actor,
        actions=actions,
    )
