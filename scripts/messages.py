"""Keep the translation catalogues in step with the code.

Each feature package may own a catalogue (hallmgr/<feature>/translations), holding the
strings of hallmgr/<feature>/ and templates/<feature>/; everything else belongs to the
core catalogue (hallmgr/translations). Features then add strings without touching each
other's files.

    python scripts/messages.py update     # add new strings, drop gone ones, keep translations
    python scripts/messages.py missing    # list strings still without Indonesian
    python scripts/messages.py fill FILE  # take Indonesian from a JSON {msgid: msgstr}
"""

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = "id"
HEADER_DATE = datetime(2026, 1, 1, tzinfo=UTC)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def catalogue_dirs() -> dict[str, Path]:
    """{feature or '' for core: translations directory}."""
    dirs = {"": ROOT / "hallmgr" / "translations"}
    for path in sorted((ROOT / "hallmgr").glob("*/translations")):
        dirs[path.parent.name] = path
    return dirs


def po_path(directory: Path) -> Path:
    return directory / LOCALE / "LC_MESSAGES" / "messages.po"


def _owner(relative: Path, features: set[str]) -> str:
    parts = relative.parts
    if parts[0] in ("hallmgr", "templates") and len(parts) > 2 and parts[1] in features:
        return parts[1]
    return ""


def extract() -> dict[str, dict]:
    """{owner: {msgid: message}} for every string in the code and templates."""
    features = set(catalogue_dirs()) - {""}
    found: dict[str, dict] = {name: {} for name in catalogue_dirs()}
    for top, method in (("hallmgr", "python"), ("templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT / top), method_map=[(pattern, method)], keywords=KEYWORDS
        ):
            owner = _owner(Path(top) / filename, features)
            key = message if isinstance(message, str) else message[0]
            found[owner].setdefault(key, message)
    return found


def load(path: Path) -> Catalog:
    if not path.exists():
        return Catalog(locale=LOCALE)
    with path.open("rb") as handle:
        return read_po(handle, locale=LOCALE)


def update() -> None:
    found = extract()
    for owner, directory in catalogue_dirs().items():
        path = po_path(directory)
        old = load(path)
        # Fixed header dates: catalogues change only when their strings do (no merge noise).
        new = Catalog(
            locale=LOCALE,
            project="hallmgr",
            version="1",
            fuzzy=False,
            creation_date=HEADER_DATE,
            revision_date=HEADER_DATE,
        )
        for key, message in sorted(found[owner].items()):
            previous = old.get(key)
            string = (
                previous.string
                if previous is not None
                else ("" if isinstance(message, str) else ("", ""))
            )
            new.add(message, string)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, new, width=0, no_location=True, sort_output=True, omit_header=False)
        print(f"{path.relative_to(ROOT)}: {len(found[owner])} strings")


def missing() -> list[tuple[str, str]]:
    out = []
    for owner, directory in catalogue_dirs().items():
        for message in load(po_path(directory)):
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy or not all(strings):
                out.append(
                    (owner or "core", message.id if isinstance(message.id, str) else message.id[0])
                )
    return out


def fill(translations: dict[str, str | list[str]]) -> None:
    """Set the Indonesian of the listed msgids, in whichever catalogue holds them."""
    for directory in catalogue_dirs().values():
        path = po_path(directory)
        catalog = load(path)
        changed = False
        for message in catalog:
            key = (
                message.id if isinstance(message.id, str) else (message.id[0] if message.id else "")
            )
            if key and key in translations:
                value = translations[key]
                if isinstance(message.id, tuple):
                    value = value if isinstance(value, list) else [value]
                    message.string = tuple(value + value[-1:] * (len(message.id) - len(value)))
                else:
                    message.string = value if isinstance(value, str) else value[0]
                message.flags.discard("fuzzy")
                changed = True
        if changed:
            with path.open("wb") as handle:
                write_po(handle, catalog, width=0, no_location=True, sort_output=True)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "missing"
    if command == "update":
        update()
    elif command == "fill":
        with open(sys.argv[2], encoding="utf-8") as handle:
            fill(json.load(handle))
    gaps = missing()
    for owner, msgid in gaps:
        print(f"untranslated [{owner}]: {msgid}")
    sys.exit(1 if gaps and command == "missing" else 0)
