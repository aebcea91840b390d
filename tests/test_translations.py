"""The Chinese catalogue is complete and compiled: every msgid translated, none fuzzy, and the
committed .mo holds what the .po says (run `make messages` after changing UI text); and the admin
pages an administrator opens, Django's and the third-party apps' included, are in Chinese."""

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse
from import_export.admin import ImportExportMixin

from helpcenter.models import User
from households.models import DocumentType
from relief.models import Fund, Programme

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


# English an admin page may show: technical names in the celery-beat help texts, what axes
# stores of a request (its method, form fields, "<unknown>"), file formats.
ALLOWED_ENGLISH = {"AMQP", "JSON", "RabbitMQ", "Redis", "True", "False", "None", "enabled"}
ALLOWED_ENGLISH |= {"HTTP", "POST", "username", "password", "unknown", "Excel", "PDF", "xlsx"}


class VisibleText(HTMLParser):
    """The words a page shows or reads out: text, titles, placeholders, labels, buttons; not
    scripts, styles, codes in quotes, identifiers, or a drop-down's values shown as themselves
    (time zones)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0
        self.option_value: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style"):
            self.hidden += 1
        if tag == "option":
            self.option_value = attributes.get("value") or ""
        for name in ("title", "placeholder", "aria-label"):
            self.parts.append(attributes.get(name) or "")
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.parts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1
        if tag == "option":
            self.option_value = None

    def handle_data(self, data):
        as_value = data.strip().replace(" ", "_")
        if self.hidden or (self.option_value is not None and as_value == self.option_value):
            return
        self.parts.append(data)


def english_words(html: str, allowed: set[str]) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    text = re.sub(r"\"[^\"]*\"", " ", " ".join(parser.parts))  # quoted codes and examples
    tokens = re.findall(r"[A-Za-z][A-Za-z0-9_.@/-]*", text)
    return {
        token for token in tokens if len(token) >= 4 and token.isalpha() and token not in allowed
    }


def admin_pages(user) -> list[str]:
    """The index, each app's page and each model's list, add and change pages (of its first
    object) of the admin site, and the import and export pages of the spreadsheet models."""
    urls = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        urls.append(reverse("admin:app_list", args=[info[0]]))
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
        if isinstance(model_admin, ImportExportMixin):
            urls.append(reverse("admin:{}_{}_import".format(*info)))
            urls.append(reverse("admin:{}_{}_export".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    return list(dict.fromkeys(urls))


@pytest.mark.django_db
def test_the_admin_pages_an_administrator_opens_are_in_chinese(client, people):
    client.post(reverse("login"), {"username": "nobody", "password": "wrong"})  # an attempt
    client.force_login(people.administrator)
    allowed = ALLOWED_ENGLISH | {"nobody"}  # usernames (and the one tried) and codes are data
    allowed |= set(User.objects.values_list("username", flat=True))
    allowed |= set(DocumentType.objects.values_list("code", flat=True))
    allowed |= set(Programme.objects.values_list("code", flat=True))  # relief's seeded codes
    allowed |= set(Fund.objects.values_list("code", flat=True))
    found, opened = {}, 0
    for url in admin_pages(people.administrator):
        page = client.get(url)
        if page.status_code == 403:  # e.g. the login log cannot be added to
            continue
        assert page.status_code == 200, url
        opened += 1
        words = english_words(page.content.decode(), allowed)
        if words:
            found[url] = sorted(words)
    assert opened > 30
    assert found == {}, found


@pytest.mark.django_db
def test_the_admin_names_the_login_log_and_the_unions_in_chinese(client, people):
    client.force_login(people.administrator)
    index = client.get(reverse("admin:index")).content.decode()
    assert (
        "登录安全" in index and "登录日志" in index and "Axes" not in index and "AXES" not in index
    )
    unions = client.get(reverse("admin:helpcenter_union_changelist")).content.decode()
    breadcrumb = re.search(r'<div class="breadcrumbs">(.*?)</div>', unions, re.S)[1]
    assert "工会" in breadcrumb and "个工会" not in breadcrumb
