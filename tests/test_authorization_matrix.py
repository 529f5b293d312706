"""The authorization matrix: every endpoint of app.url_map × every role × own/other hall.

EXPECTED below is the table a reviewer audits. Each endpoint has one line per method it
takes (GET, POST) and, when its URL names a hall or an object of one (see
tests/url_world.py HALL_BOUND), one line for the user's own hall and one for another
hall. The five columns are the roles:

    anonymous  admin  office  manager  collector

The manager and the collector work in the "own" hall only; admin and office see every
hall. A cell is the status code the role must get:

    200  the page (or PDF, CSV, JSON) is served
    302  anonymous: sent to the sign-in page; signed in: the post was taken (redirect)
    400  the post was taken but refused as incomplete (an empty form)
    401  API routes without a bearer token
    403  the role may not do this
    404  the object is of a hall the user may not see (as if it did not exist)
    ok   POST only: the role may post here (an empty form is refused with a message,
         shown again, or taken); anything but 401/403/404/5xx

GET requests are sent to every GET route; POST requests (with a valid CSRF token and
an empty form) to every POST route. A refused post (302 to sign-in, 401, 403, 404)
must leave every table as it was. API routes marked with @allow_token are called with a
bearer token of the role instead of the session cookie.

A new endpoint fails `test_the_table_names_every_endpoint_and_only_those` until its
lines are added here; so does an endpoint that is removed or renamed. To draft its
lines, `MATRIX_PRINT=1 .venv/bin/pytest -s tests/test_authorization_matrix.py -k print`
prints what the app answers today: check each cell against DOMAIN.md before copying it
(and write `ok` for allowed posts). A URL parameter the world cannot fill fails with its
name: add its value to tests/url_world.py.
"""

import html
import os
from urllib.parse import quote

import pytest

from hallmgr.auth.policy import access_of
from hallmgr.auth.roles import Permission, Role
from tests.conftest import csrf_token, login, make_test_app
from tests.test_hostile_input import changed_tables, snapshot
from tests.url_world import HALL_BOUND, build_world, rule_params

ROLES = ("anonymous", "admin", "office", "manager", "collector")
assert set(ROLES) - {"anonymous"} == set(Role), "a role was added or removed: add its column"

# fmt: off
EXPECTED = {
    # --- admin: users, halls, stall classes, tariffs, closures (admin only)
    "admin.closures": """
        GET        302 200 403 403 403
        POST       302 ok  403 403 403""",
    "admin.hall_edit": """
        GET        302 200 403 403 403
        POST       302 ok  403 403 403""",
    "admin.hall_new": """
        GET        302 200 403 403 403
        POST       302 ok  403 403 403""",
    "admin.halls": """
        GET        302 200 403 403 403""",
    "admin.import_holidays": """
        POST       302 ok  403 403 403""",
    "admin.stall_class_new": """
        POST       302 ok  403 403 403""",
    "admin.stall_classes": """
        GET        302 200 403 403 403""",
    "admin.tariff_edit": """
        GET        302 200 403 403 403
        POST       302 ok  403 403 403""",
    "admin.tariff_new": """
        GET        302 200 403 403 403
        POST       302 ok  403 403 403""",
    "admin.user_edit": """
        GET        302 200 403 403 403
        POST       302 ok  403 403 403""",
    "admin.user_new": """
        GET        302 200 403 403 403
        POST       302 ok  403 403 403""",
    "admin.user_reset_password": """
        POST       302 ok  403 403 403""",
    "admin.user_set_active": """
        POST       302 ok  403 403 403""",
    "admin.users": """
        GET        302 200 403 403 403""",
    # --- api: bearer-token JSON API (401 without a token), its docs and description
    "api.docs": """
        GET        302 200 200 200 200""",
    "api.arrears": """
        GET        401 200 200 200 403""",
    # the business registry is province-wide, as on the web pages
    "api.business": """
        GET  own   401 200 200 200 403
        GET  other 401 200 200 200 403""",
    "api.businesses": """
        GET        401 200 200 200 403""",
    "api.create_assignment": """
        POST       401 ok  403 ok  403""",
    "api.create_business": """
        POST       401 ok  403 ok  403""",
    # the hall is named in the body; the API's own tests cover another hall's stall (404)
    "api.create_payment": """
        POST       401 ok  403 ok  ok""",
    "api.end_assignment": """
        POST own   401 ok  403 ok  403
        POST other 401 ok  403 404 403""",
    "api.hall_stalls": """
        GET  own   401 200 200 200 200
        GET  other 401 200 200 404 404""",
    "api.halls": """
        GET        401 200 200 200 200""",
    "api.receipt": """
        GET  own   401 200 200 200 200
        GET  other 401 200 200 404 404""",
    "api.receipt_pdf": """
        GET  own   401 200 200 200 200
        GET  other 401 200 200 404 404""",
    "api.void_receipt": """
        POST own   401 ok  403 ok  403
        POST other 401 ok  403 404 403""",
    "api.openapi_json": """
        GET        200 200 200 200 200""",
    # --- api_tokens: one's own tokens; revoking someone else's token is refused with a message (302), nothing changes
    "api_tokens.revoke": """
        POST       302 302 302 302 302""",
    "api_tokens.tokens": """
        GET        302 200 200 200 200
        POST       302 ok  ok  ok  ok""",
    # --- arrears: office reads everything, managers their halls; collectors none
    "arrears.batch_pdf": """
        GET  own   302 200 200 200 403
        GET  other 302 200 200 404 403""",
    "arrears.export_csv": """
        GET        302 200 200 200 403""",
    "arrears.export_pdf": """
        GET        302 200 200 200 403""",
    "arrears.index": """
        GET        302 200 200 200 403""",
    "arrears.issue_hall_letters": """
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    "arrears.issue_letter": """
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    "arrears.ledger": """
        GET  own   302 200 200 200 403
        GET  other 302 200 200 404 403""",
    "arrears.letter_pdf": """
        GET  own   302 200 200 200 403
        GET  other 302 200 200 404 403""",
    "arrears.letters": """
        GET        302 200 200 200 403""",
    # --- assignments: admin and managers decide, office reads
    "assignments.end": """
        GET  own   302 200 403 200 403
        GET  other 302 200 403 404 403
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    "assignments.index": """
        GET  own   302 200 200 200 403
        GET  other 302 200 200 404 403""",
    "assignments.letter": """
        GET  own   302 200 200 200 403
        GET  other 302 200 200 404 403""",
    "assignments.new": """
        GET        302 200 403 200 403
        POST       302 ok  403 ok  403""",
    # --- audit log: admin and office only
    "audit.events": """
        GET        302 200 200 403 403""",
    # --- auth: sign-in, sign-out, own password
    "auth.change_password": """
        GET        302 200 200 200 200
        POST       302 ok  ok  ok  ok""",
    "auth.login": """
        GET        200 302 302 302 302
        POST       200 ok  ok  ok  ok""",
    "auth.logout": """
        POST       302 ok  ok  ok  ok""",
    # --- businesses: the registry is province-wide (any business, masked NIK); the waiting lists and applications belong to a hall
    "businesses.accept": """
        GET  own   302 200 403 200 403
        GET  other 302 200 403 404 403
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    "businesses.apply": """
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 ok  403""",
    "businesses.decline": """
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    "businesses.edit": """
        GET  own   302 200 403 200 403
        GET  other 302 200 403 200 403
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 ok  403""",
    "businesses.import_file": """
        GET        302 200 403 200 403
        POST       302 ok  403 ok  403""",
    "businesses.index": """
        GET        302 200 200 200 403""",
    "businesses.new": """
        GET        302 200 403 200 403
        POST       302 ok  403 ok  403""",
    "businesses.offer": """
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    "businesses.show": """
        GET  own   302 200 200 200 403
        GET  other 302 200 200 200 403""",
    "businesses.waiting_list": """
        GET  own   302 200 200 200 403
        GET  other 302 200 200 404 403""",
    "businesses.withdraw": """
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    # --- collection: collectors work their halls; office reads; only admin and managers void and take deposits
    "collection.day": """
        GET  own   302 200 200 200 200
        GET  other 302 200 200 404 404""",
    "collection.day_report_pdf": """
        GET  own   302 200 200 200 403
        GET  other 302 200 200 404 403""",
    "collection.deposit": """
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    "collection.find_receipt": """
        GET        302 302 302 302 302""",
    "collection.credits": """
        GET        302 200 200 200 403""",
    "collection.index": """
        GET        302 200 200 200 200""",
    "collection.mark_closed": """
        POST own   302 ok  403 ok  ok
        POST other 302 ok  403 404 404""",
    "collection.my_round": """
        GET        302 302 302 302 302""",
    "collection.pay": """
        GET  own   302 200 403 200 200
        GET  other 302 200 403 404 404
        POST own   302 ok  403 ok  ok
        POST other 302 ok  403 404 404""",
    "collection.receipt": """
        GET  own   302 200 200 200 200
        GET  other 302 200 200 404 404""",
    "collection.receipt_pdf": """
        GET  own   302 200 200 200 200
        GET  other 302 200 200 404 404""",
    "collection.round": """
        GET  own   302 200 200 200 200
        GET  other 302 200 200 404 404""",
    "collection.settle_credit": """
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    "collection.verify_receipt": """
        GET        200 200 200 200 200""",
    "receipt_link.verify": """
        GET        200 200 200 200 200""",
    "collection.void": """
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    "collection.waivers": """
        GET  own   302 200 200 200 403
        GET  other 302 200 200 404 403
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    # --- core
    # liveness and readiness checks for the load balancer: public, no data
    "core.healthz": """
        GET        200 200 200 200 200""",
    "core.readyz": """
        GET        200 200 200 200 200""",
    "core.home": """
        GET        302 200 200 200 200""",
    "core.set_language": """
        POST       302 ok  ok  ok  ok""",
    # --- halls: stalls and maps of a hall; collectors use the collection pages instead
    "halls.hall_map": """
        GET  own   302 200 200 200 403
        GET  other 302 200 200 404 403""",
    "halls.index": """
        GET        302 200 200 200 403""",
    "halls.stall": """
        GET  own   302 200 200 200 403
        GET  other 302 200 200 404 403""",
    "halls.stall_edit": """
        GET  own   302 200 403 200 403
        GET  other 302 200 403 404 403
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    "halls.stall_import": """
        GET  own   302 200 403 200 403
        GET  other 302 200 403 404 403
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    "halls.stall_new": """
        GET  own   302 200 403 200 403
        GET  other 302 200 403 404 403
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    "halls.stall_status": """
        POST own   302 ok  403 ok  403
        POST other 302 ok  403 404 403""",
    "halls.stalls": """
        GET  own   302 200 200 200 403
        GET  other 302 200 200 404 403""",
    # --- reports: office everything, managers their halls
    "reports.dashboard": """
        GET        302 200 200 200 403""",
    "reports.fairness": """
        GET        302 200 200 200 403""",
    "reports.idle_stalls": """
        GET        302 200 200 200 403""",
    "reports.voids": """
        GET        302 200 200 200 403""",
    # --- static files: public
    "static": """
        GET        200 200 200 200 200""",
}
# fmt: on

# URL parameters an endpoint needs other than the world's defaults.
URL_OVERRIDES = {
    # Its <code> is a language, not a hall.
    "core.set_language": lambda world, side: {"code": "id"},
    # A public link: the number and the signature the receipt printed.
    "collection.verify_receipt": lambda world, side: {
        "number": world.own.payment.receipt_number,
        "signature": _signature(world.own.payment.receipt_number),
    },
    "receipt_link.verify": lambda world, side: {
        "number": world.own.payment.receipt_number,
        "code": _signature(world.own.payment.receipt_number)[:16].upper(),
    },
}
# Parameters named like a hall's that do not name one on these endpoints.
NOT_HALL_BOUND = {"core.set_language", "collection.verify_receipt", "receipt_link.verify"}


def _signature(number: str) -> str:
    from flask import current_app

    from hallmgr.collection.rules import receipt_signature

    return receipt_signature(current_app.config["SECRET_KEY"], number)


def parse(spec: str) -> dict[tuple[str, str | None], dict[str, str]]:
    """{(method, side): {role: cell}} of one endpoint's lines."""
    table = {}
    for line in spec.strip().splitlines():
        words = line.split()
        method, rest = words[0], words[1:]
        side = rest.pop(0) if rest[0] in ("own", "other") else None
        assert method in ("GET", "POST") and len(rest) == len(ROLES), f"bad line: {line!r}"
        table[(method, side)] = dict(zip(ROLES, rest, strict=True))
    return table


APP = make_test_app("sqlite://")
RULES = {
    rule.endpoint: (rule.rule, sorted(rule.methods & {"GET", "POST"}))
    for rule in APP.url_map.iter_rules()
}


def hall_bound(endpoint: str, rule: str) -> bool:
    return endpoint not in NOT_HALL_BOUND and bool(rule_params(rule) & HALL_BOUND)


def required_lines(endpoint: str) -> set[tuple[str, str | None]]:
    rule, methods = RULES[endpoint]
    sides = ("own", "other") if hall_bound(endpoint, rule) else (None,)
    return {(m, s) for m in methods for s in sides}


def test_the_table_names_every_endpoint_and_only_those():
    assert sorted(set(RULES) - set(EXPECTED)) == [], "endpoints missing from EXPECTED"
    assert sorted(set(EXPECTED) - set(RULES)) == [], "EXPECTED names endpoints that are gone"


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_each_endpoint_has_a_line_per_method_and_hall(endpoint):
    if endpoint not in RULES:
        pytest.skip("gone: reported by test_the_table_names_every_endpoint_and_only_those")
    assert set(parse(EXPECTED[endpoint])) == required_lines(endpoint)


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_the_table_refuses_the_roles_the_declared_permission_leaves_out(endpoint):
    """A view's 403s are the roles outside the named set it declares (and, for a post, the
    read-only office), so that the table and hallmgr/auth/roles.py say the same."""
    if endpoint not in RULES:
        pytest.skip("gone: reported by test_the_table_names_every_endpoint_and_only_those")
    access = access_of(APP, endpoint)
    if access.public:
        pytest.skip("public")
    for (method, side), cells in parse(EXPECTED[endpoint]).items():
        left_out = set(Role) - access.roles
        if method == "POST" and not access.self_service:
            left_out |= set(Role) - Permission.WRITE.roles
        refused = {role for role in Role if cells[role] == "403"}
        assert refused == left_out, (method, side, access.permission)


@pytest.fixture
def world(db, make_hall, make_class, make_stall, make_business, make_assignment, make_user):
    return build_world(
        db, make_hall, make_class, make_stall, make_business, make_assignment, make_user
    )


class Caller:
    """One role's way into the app: a signed-in browser, or a bearer token for the API."""

    def __init__(self, app, db, role: str, world, make_user):
        self.role = role
        self.client = app.test_client()
        self.headers = {}
        self.user = None
        if role != "anonymous":
            halls = [] if Permission.SEE_ALL_HALLS.allows(role) else [world.own.hall]
            self.user = make_user(role, halls)
            db.session.commit()
            assert login(self.client, self.user.username).status_code == 302
        self.csrf = csrf_token(self.client, "/" if self.user else "/auth/login")

    def use_token(self):
        from hallmgr.api.services import create_token
        from hallmgr.core.days import utcnow

        if self.user is None:
            return self.client.application.test_client(), {}
        if not hasattr(self, "_bearer"):
            _token, self._bearer = create_token(self.user, "matrix", utcnow())
            # Committed now, so a request's rollback cannot take it (and its audit row) away.
            self.client.application.extensions["sqlalchemy"].session.commit()
        return self.client.application.test_client(), {"Authorization": f"Bearer {self._bearer}"}


def _observe(app, db, world, caller, endpoint, method, side):
    rule, _methods = RULES[endpoint]
    overrides = URL_OVERRIDES.get(endpoint, lambda w, s: {})(world, side)
    url = world.fill(rule, side, overrides)
    client, headers = caller.client, {}
    if access_of(app, endpoint).token:
        client, headers = caller.use_token()
    if method == "GET":
        response = client.get(url, headers=headers)
        response.close()
        return response, None
    before = snapshot(db)
    response = client.post(url, data={"csrf_token": caller.csrf}, headers=headers)
    response.close()
    return response, changed_tables(before, snapshot(db))


def _matches(cell: str, response, role: str, public: bool) -> bool:
    status = response.status_code
    if cell == "ok":
        return status < 500 and status not in (401, 403, 404)
    if status != int(cell):
        return False
    if cell == "302" and role == "anonymous" and not public:
        return "/auth/login" in response.headers["Location"]
    return True


REFUSED = {"401", "403", "404"}
# Refused with a message and a redirect (302) rather than a 403/404: nothing may change.
REFUSED_BY_REDIRECT = {"api_tokens.revoke"}


@pytest.mark.parametrize("endpoint", sorted(RULES))
def test_authorization_matrix(app, db, world, make_user, endpoint):
    if endpoint not in EXPECTED:
        pytest.fail(f"{endpoint} is not in EXPECTED: add its lines")
    expected = parse(EXPECTED[endpoint])
    callers = {role: Caller(app, db, role, world, make_user) for role in ROLES}
    public = access_of(app, endpoint).public
    wrong = []
    for (method, side), cells in sorted(expected.items(), key=str):
        for role in ROLES:
            response, changed = _observe(app, db, world, callers[role], endpoint, method, side)
            cell = cells[role]
            if not _matches(cell, response, role, public):
                wrong.append(f"{method} {side or 'any'} {role}: {response.status_code} != {cell}")
            refused = (
                cell in REFUSED
                or (cell == "302" and role == "anonymous" and not public)
                or endpoint in REFUSED_BY_REDIRECT
            )
            if method == "POST" and refused and changed:
                wrong.append(f"{method} {side or 'any'} {role}: refused yet changed {changed}")
    assert wrong == []


@pytest.mark.parametrize("role", ["manager", "collector"])
def test_finding_a_receipt_by_number_leads_only_to_ones_own_halls(app, db, world, make_user, role):
    caller = Caller(app, db, role, world, make_user)
    own = caller.client.get(f"/collection/receipts?number={world.own.payment.receipt_number}")
    assert own.headers["Location"].endswith(
        f"/collection/receipts/{world.own.payment.receipt_number}"
    )
    other = caller.client.get(f"/collection/receipts?number={world.other.payment.receipt_number}")
    assert other.status_code == 302
    assert world.other.payment.receipt_number not in other.headers["Location"]


@pytest.mark.skipif(not os.environ.get("MATRIX_PRINT"), reason="prints the observed table")
def test_print_observed_table(app, db, world, make_user):
    """MATRIX_PRINT=1 pytest -s -k print: the table as the app answers today (to review)."""
    for endpoint in sorted(RULES):
        callers = {role: Caller(app, db, role, world, make_user) for role in ROLES}
        print(f'    "{endpoint}": """')
        for method, side in sorted(required_lines(endpoint), key=str):
            cells = []
            for role in ROLES:
                response, _ = _observe(app, db, world, callers[role], endpoint, method, side)
                cells.append(str(response.status_code))
            print(f"        {method:5}{side or '':6}" + " ".join(f"{c:3}" for c in cells))
        print('        """,')


def _text_of(response) -> str:
    from tests.conftest import pdf_text

    if response.mimetype == "application/pdf":
        return pdf_text(response.get_data())
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["manager", "collector"])
def test_query_parameters_naming_another_hall_show_nothing_of_it(app, db, world, make_user, role):
    """Filters in the query string (?hall=, ?stall_id=, ?business_id=, ?assignment=,
    ?number=) naming the other hall's objects, on every GET route: nothing of that hall
    shows (its name, its stall's code, its receipt's number), and no 5xx."""
    other = world.other
    query = (
        f"?hall={other.hall.code}&stall_id={other.stall.id}&business_id={other.business.id}"
        f"&assignment={other.assignment.id}&number={other.payment.receipt_number}"
        f"&q={other.stall.code}"
    )
    markers = {other.hall.name, other.stall.code, other.payment.receipt_number}
    caller = Caller(app, db, role, world, make_user)
    shown = []
    for endpoint in sorted(RULES):
        rule, methods = RULES[endpoint]
        if "GET" not in methods or endpoint == "static" or access_of(app, endpoint).token:
            continue
        side = "own" if hall_bound(endpoint, rule) else None
        url = world.fill(rule, side, URL_OVERRIDES.get(endpoint, lambda w, s: {})(world, side))
        response = caller.client.get(url + query)
        assert response.status_code < 500, (url, response.status_code)
        with caller.client.session_transaction() as session:
            session.pop("_flashes", None)  # "no receipt <what you typed> in your halls"
        if response.status_code != 200:
            continue
        text = _text_of(response)
        for echo in (query, html.escape(query), quote(query, safe=""), quote(query)):
            text = text.replace(echo, "")  # links back to this page (language switch)
        text = text.replace(f'value="{other.stall.code}"', "")  # the search box
        found = sorted(m for m in markers if m in text)
        if found:
            shown.append((endpoint, found))
    assert shown == []
