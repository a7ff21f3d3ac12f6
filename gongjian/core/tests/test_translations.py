"""The Chinese catalogue is complete and the shipped .mo files match their .po sources."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"


def test_every_string_has_a_chinese_translation():
    po = polib.pofile(str(LOCALE / "zh_Hans/LC_MESSAGES/django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_compiled_catalogue_matches_its_source(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES/django.po"))
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES/django.mo"))

    def pairs(catalogue):
        return {
            (e.msgid, e.msgstr or tuple(sorted(e.msgstr_plural.items())))
            for e in catalogue
            if e.msgid and (e.msgstr or any(e.msgstr_plural.values())) and not e.obsolete and "fuzzy" not in e.flags
        }

    assert pairs(po) == pairs(mo), "run `make messages` to recompile"
