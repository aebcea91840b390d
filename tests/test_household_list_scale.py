"""The household list at a million files (docs/benchmarks.md: every variant under 100 ms): the
search by the last digits of a head's ID or of a file number, answered on PostgreSQL by the
reversed-text indexes of migration households/0008, and deep pages that join only their rows."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from helpcenter.demo import DemoPeople
from helpcenter.paging import PAGE_SIZE
from households import filters
from households.filters import households_filtered
from households.models import Household
from tests.factories import household_for

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexes exist on PostgreSQL only"
)


def searched(user, digits: str):
    return households_filtered(user, QueryDict(f"q={digits}")).qs


@on_postgresql
def test_the_last_digits_search_uses_the_reversed_indexes(registry):
    for _ in range(150):  # enough that a range scan beats reading the whole head index
        household_for(registry.union_a, actor=registry.caseworker_a)
    household = registry.household_b
    by_id, by_file = household.head.id_number[-4:], household.file_number[-5:]
    assert household in searched(registry.supervisor, by_id)
    assert household in searched(registry.supervisor, by_file)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE households_member, households_household")
        cursor.execute("SET LOCAL enable_seqscan = off")  # 150 rows: show what it can use
    plan = searched(registry.supervisor, by_id).explain()
    assert "member_head_id_reversed" in plan
    assert "household_file_number_reversed" in plan


def test_a_deep_page_joins_only_its_own_rows(client, registry):
    people = DemoPeople(seed=57)
    for _ in range(PAGE_SIZE + 5):
        household_for(registry.union_a, people=people)
    everything = list(Household.objects.order_by("-registered_on", "-id"))
    client.force_login(registry.supervisor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("households:list"), {"page": 2})
    assert list(response.context["households"]) == everything[PAGE_SIZE:]
    assert not response.context["has_next"]
    joined = [q["sql"] for q in queries.captured_queries if "households_member" in q["sql"]]
    assert joined and not any("OFFSET" in sql.upper() for sql in joined)
    number = everything[0].head.id_number  # a search by full ID is DISTINCT: its page 2 too
    assert list(client.get(reverse("households:list"), {"q": number}).context["households"]) == [
        everything[0]
    ]
    assert client.get(reverse("households:list"), {"q": number, "page": 2}).status_code == 200


def test_a_search_by_rare_initials_sorts_its_matches_instead_of_walking_the_list(client, registry):
    client.force_login(registry.supervisor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("households:list"), {"q": "zs"})
    assert list(response.context["households"]) == [registry.household_a]  # 张三
    pages = [q["sql"] for q in queries.captured_queries if "LIMIT 51" in q["sql"]]
    assert len(pages) == 1
    assert "NULLS LAST" in pages[0]  # an order no index gives: PostgreSQL sorts the matches


def test_a_search_by_common_initials_walks_the_list(client, registry, monkeypatch):
    monkeypatch.setattr(filters, "RARE_INITIALS", 0)
    client.force_login(registry.supervisor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("households:list"), {"q": "zs"})
    assert list(response.context["households"]) == [registry.household_a]
    pages = [q["sql"] for q in queries.captured_queries if "LIMIT 51" in q["sql"]]
    assert "NULLS LAST" not in pages[0]
