"""Fill msgstr of a .po catalogue from a JSON glossary {msgid: msgstr} (plural: [one, other]).

Used by translators: `python tools/fill_catalog.py eplanning_core/translations/id/LC_MESSAGES/messages.po glossary.json`;
`make translations` runs it for every tools/glossary-*.json and fills the English catalogue with --identity.
Only empty entries are filled; existing translations are kept.
"""

import json
import sys

from babel.messages.pofile import read_po, write_po


def main(po_path: str, glossary_path: str) -> int:
    """``glossary_path`` may be ``--identity``: msgstr = msgid (the English catalogue)."""
    if glossary_path == "--identity":
        glossary = None
    else:
        with open(glossary_path, encoding="utf-8") as handle:
            glossary = json.load(handle)
    with open(po_path, "rb") as handle:
        catalog = read_po(handle)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        filled = message.string[0] if isinstance(message.string, tuple) else message.string
        if filled:
            continue
        if glossary is None:
            message.string = message.id
            continue
        if key not in glossary:
            missing.append(key)
            continue
        value = glossary[key]
        message.string = tuple(value) if isinstance(message.id, tuple) else value
    with open(po_path, "wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    for key in missing:
        print("untranslated:", key)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
