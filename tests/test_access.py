"""Every route decides its roles in one place, and none is open without sign-in by mistake."""

import re

import pytest

from hallmgr.auth.policy import access_of
from hallmgr.auth.roles import Permission

# Pages anyone may open: sign-in, static files, the language switch, the public receipt
# check, the API's description, and the health checks.
PUBLIC_ENDPOINTS = {
    "auth.login",
    "static",
    "core.set_language",
    "collection.verify_receipt",
    "receipt_link.verify",
    "api.openapi_json",
    "core.healthz",
    "core.readyz",
}


# A plausible value for each converter; existence is not the point here.
PLAUSIBLE = {"int": "1", "day": "2026-01-02"}


def _concrete_url(rule) -> str:
    return re.sub(
        r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>",
        lambda m: PLAUSIBLE.get(m.group(1), "X1"),
        rule.rule,
    )


def test_every_endpoint_declares_its_access(app):
    missing = [
        rule.endpoint for rule in app.url_map.iter_rules() if access_of(app, rule.endpoint) is None
    ]
    assert missing == []


def test_every_endpoint_declares_a_named_permission(app):
    """@allow takes the named sets of hallmgr/auth/roles.py, not lists of role names."""
    unnamed = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not access_of(app, rule.endpoint).public
        and not isinstance(access_of(app, rule.endpoint).permission, Permission)
    }
    assert sorted(unnamed) == []


def test_only_the_known_public_endpoints_are_public(app):
    public = {
        rule.endpoint for rule in app.url_map.iter_rules() if access_of(app, rule.endpoint).public
    }
    assert public <= PUBLIC_ENDPOINTS


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_nothing_but_public_pages_is_reachable_without_sign_in(app, client, method):
    reached = []
    for rule in app.url_map.iter_rules():
        if method not in rule.methods or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        if rule.rule.startswith("/api/"):
            continue  # the API answers 401 without a token; its own tests cover it
        response = getattr(client, method.lower())(_concrete_url(rule))
        if method == "POST" and response.status_code == 400:
            continue  # refused for want of a CSRF token: not reachable either
        if not (response.status_code == 302 and "/auth/login" in response.headers["Location"]):
            reached.append((rule.endpoint, response.status_code))
    assert reached == []


def test_a_view_without_declaration_is_refused(app):
    from flask import Flask

    from hallmgr.auth.policy import init_policy

    bare = Flask("bare")
    bare.config["SECRET_KEY"] = "x"

    @bare.route("/open")
    def open_view():
        return "should not be served"

    from flask_login import LoginManager

    LoginManager().init_app(bare)
    init_policy(bare)
    assert bare.test_client().get("/open").status_code == 403
