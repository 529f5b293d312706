"""Every user-facing string is translated: Indonesian complete, English the source."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("messages", ROOT / "scripts" / "messages.py")
messages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(messages)


def test_every_catalogue_entry_has_its_indonesian():
    assert messages.missing() == []


def test_every_string_in_the_code_is_in_its_catalogue():
    found = messages.extract()
    absent = []
    for owner, directory in messages.catalogue_dirs().items():
        catalog = messages.load(messages.po_path(directory))
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        absent += [(owner or "core", key) for key in found[owner] if key not in known]
    assert absent == []


def test_pages_switch_between_indonesian_and_english(client, db):
    assert "Kata sandi" in client.get("/auth/login").get_data(as_text=True)
    from tests.conftest import csrf_token

    client.post("/lang/en", data={"csrf_token": csrf_token(client), "next": "/auth/login"})
    assert "Password" in client.get("/auth/login").get_data(as_text=True)
