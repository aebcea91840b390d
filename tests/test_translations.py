"""The Chinese catalogue is complete and compiled: every msgid translated, none fuzzy, and the
committed .mo holds what the .po says (run `make messages` after changing UI text)."""

import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries() -> dict[str, str]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        if block.lstrip().startswith("#~"):
            continue  # obsolete
        match = re.search(
            r"^msgid ((?:\".*\"\n)+)(?:msgid_plural .*\n)?msgstr(?:\[0\])? ((?:\".*\"\n?)+)",
            block,
            re.M,
        )
        if not match:
            continue
        msgid = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1)))
        context = re.search(r'^msgctxt "(.*)"$', block, re.M)
        if context:  # the compiled catalogue keys a message with a context as "context\x04id"
            msgid = f"{context.group(1)}\x04{msgid}"
        msgstr = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(2)))
        if msgid:
            entries[msgid] = msgstr
    return entries


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = po_entries()
    assert len(entries) > 400
    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert untranslated == []
    assert "#, fuzzy" not in (LOCALE / "django.po").read_text(encoding="utf-8")


def test_the_compiled_catalogue_matches_the_source():
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    compiled_ids = {key if isinstance(key, str) else key[0] for key in catalog}
    source_ids = {
        msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        for msgid in po_entries()
    }
    assert source_ids - compiled_ids == set()
