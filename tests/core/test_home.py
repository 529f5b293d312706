"""The start page leads each role to its daily work."""


def test_a_collector_starts_from_the_round_of_their_hall(client, login_as, make_hall, db):
    mine, _other = (
        make_hall(code="JP77", name="Sentra Satu"),
        make_hall(code="JS77", name="Sentra Dua"),
    )
    login_as("collector", halls=[mine])
    page = client.get("/").get_data(as_text=True)
    assert 'href="/collection/JP77/round"' in page
    assert "JS77" not in page and "Peta sentra" not in page


def test_a_manager_also_gets_the_map_waiting_list_and_arrears(client, login_as, make_hall, db):
    hall = make_hall(code="JP78")
    login_as("manager", halls=[hall])
    page = client.get("/").get_data(as_text=True)
    for link in ("/halls/JP78/map", "/businesses/waiting/JP78", "/arrears/?hall=JP78"):
        assert f'href="{link}"' in page


def test_the_office_starts_from_the_dashboard_and_arrears(client, login_as, db):
    login_as("office")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/reports/"' in page and 'href="/arrears/"' in page
