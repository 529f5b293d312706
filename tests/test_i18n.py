"""Every user-facing string is translated: Indonesian complete, English the source."""

from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = (
    Path(__file__).resolve().parent.parent
    / "hallmgr"
    / "translations"
    / "id"
    / "LC_MESSAGES"
    / "messages.po"
)


def test_indonesian_catalogue_is_complete():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    missing = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy)
    ]
    assert missing == []


def test_every_string_in_the_code_is_in_the_catalogue():
    from babel.messages.extract import extract_from_dir

    root = Path(__file__).resolve().parent.parent
    with CATALOG.open("rb") as handle:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    method_map = [("hallmgr/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map=method_map, keywords=keywords, options_map={"templates/**.html": {}}
    ):
        found.add(message if isinstance(message, str) else message[0])
    assert sorted(found - known) == []
