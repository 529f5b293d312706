"""No output shows a whole NIK except a business's own page to those who edit it.

Generic over app.url_map: every route that answers GET is opened by every role (and
without sign-in), with the own hall's and the other hall's objects, and the API's routes
with the role's bearer token. Pages, CSV exports, PDFs (their text) and JSON answers are
searched for the full 16-digit NIK of every business the test made (also written with
spaces, dots or dashes between the digits). The only places allowed to show it are
ALLOWED below; everywhere else it must be masked (`3171********0003`).
"""

import re

import pytest
import sqlalchemy as sa

from hallmgr.auth.policy import access_of
from hallmgr.businesses.rules import mask_nik
from tests.conftest import make_test_app, pdf_text
from tests.test_authorization_matrix import ROLES, URL_OVERRIDES, Caller, hall_bound
from tests.url_world import build_world

# (endpoint, role): the business's own page, and its edit form, for those who may edit it
# (hallmgr/businesses/views.py EDITORS). Office reads the registry with NIKs masked.
ALLOWED = {
    ("businesses.show", "admin"),
    ("businesses.show", "manager"),
    ("businesses.edit", "admin"),
    ("businesses.edit", "manager"),
}
SEPARATORS = re.compile(r"(?<=\d)[ .\-\u00a0](?=\d)")


def _get_rules():
    app = make_test_app("sqlite://")
    return sorted(
        (rule.endpoint, rule.rule)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint != "static"
    )


GET_RULES = _get_rules()


@pytest.fixture
def world(db, make_hall, make_class, make_stall, make_business, make_assignment, make_user):
    from hallmgr.businesses.services import import_businesses, save_business
    from hallmgr.core.days import utcnow

    world = build_world(
        db, make_hall, make_class, make_stall, make_business, make_assignment, make_user
    )
    # Businesses made through the services too, so the audit log has their events.
    admin = make_user("admin")
    save_business(
        admin,
        None,
        {"name": "Warung Audit", "owner_name": "Dewi Lestari", "nik": "3171074508900123"},
        utcnow(),
    )
    import_businesses(
        admin, "name,owner_name,nik\nWarung Impor,Budi Santoso,3171071508900456\n", utcnow()
    )
    db.session.commit()
    return world


def _all_niks(db) -> set[str]:
    from hallmgr.models import Business

    return set(db.session.scalars(sa.select(Business.nik)))


def _text(response) -> str:
    data = response.get_data()
    if response.mimetype == "application/pdf":
        return pdf_text(data)
    return data.decode("utf-8", errors="replace")


def _extra_urls(world) -> list[tuple[str, str, str]]:
    """Searches that list businesses, by NIK and by name; with the search box's echo of
    what the user typed, which is no disclosure."""
    business = world.own.business
    return [
        ("businesses.index", f"/businesses/?q={business.nik}", business.nik),
        ("businesses.index", f"/businesses/?q={business.name}", ""),
        ("businesses.index", "/businesses/?q=Warung", ""),
    ]


def without_echo(text: str, query: str) -> str:
    """The page without the places that repeat what the user typed: the search box and
    the links back to this page (language switch)."""
    return text.replace(f'value="{query}"', "").replace(f"?q={query}", "")


@pytest.mark.parametrize("role", ROLES)
def test_no_output_shows_a_whole_nik_but_the_business_page_to_its_editors(
    app, db, world, make_user, role
):
    niks = _all_niks(db)
    assert len(niks) >= 6
    caller = Caller(app, db, role, world, make_user)
    urls = list(_extra_urls(world))
    for endpoint, rule in GET_RULES:
        sides = ("own", "other") if hall_bound(endpoint, rule) else (None,)
        overrides = URL_OVERRIDES.get(endpoint, lambda w, s: {})
        for side in sides:
            urls.append((endpoint, world.fill(rule, side, overrides(world, side)), ""))
    leaks, served = [], 0
    for endpoint, url, echo in urls:
        client, headers = caller.client, {}
        if access_of(app, endpoint).token:
            client, headers = caller.use_token()
        response = client.get(url, headers=headers)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        if response.status_code != 200:
            continue
        served += 1
        text = _text(response)
        if echo:
            text = without_echo(text, echo)
        bare = SEPARATORS.sub("", text)
        shown = {nik for nik in niks if nik in text or nik in bare}
        if shown and (endpoint, role) not in ALLOWED:
            leaks.append((url, sorted(shown)))
    assert leaks == []
    assert served > 0


def test_the_business_page_shows_the_nik_whole_to_editors_and_masked_to_office(
    app, db, world, make_user
):
    business = world.own.business
    for role, shown in (("admin", business.nik), ("manager", business.nik)):
        page = Caller(app, db, role, world, make_user).client.get(f"/businesses/{business.id}")
        assert shown in page.get_data(as_text=True)
    page = Caller(app, db, "office", world, make_user).client.get(f"/businesses/{business.id}")
    text = page.get_data(as_text=True)
    assert business.nik not in text and mask_nik(business.nik) in text


def test_the_search_finds_a_business_by_nik_and_shows_it_masked(app, db, world, make_user):
    business = world.own.business
    caller = Caller(app, db, "office", world, make_user)
    page = caller.client.get(f"/businesses/?q={business.nik}").get_data(as_text=True)
    assert f'value="{business.nik}"' in page  # the search box keeps what was typed
    text = without_echo(page, business.nik)
    assert business.name in text
    assert mask_nik(business.nik) in text and business.nik not in text
