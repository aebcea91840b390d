"""Paging for lists that may hold 100,000 rows: no COUNT on every request."""

from django.http import HttpRequest

PAGE_SIZE = 50
MAX_PAGE = 10_000


def page_of(request: HttpRequest, queryset, *, keys_first: bool = False) -> tuple[list, int, bool]:
    """One page without counting the table: fetch one row more to know if there is a next.
    Returns (rows, page number, has a next page). A page number that is not one is page 1.

    keys_first: past page 1, find the page's keys first (on the ordering index alone), then
    fetch and join only those rows. In one query PostgreSQL joins every row it skips: page 50
    of a million households joined 2,500 heads and unions to show 50 (docs/benchmarks.md)."""
    try:
        number = min(max(int(request.GET.get("page", 1)), 1), MAX_PAGE)
    except ValueError:
        number = 1
    start = (number - 1) * PAGE_SIZE
    if keys_first and start:
        keys = list(queryset.values_list("pk", flat=True)[start : start + PAGE_SIZE + 1])
        rows = list(queryset.filter(pk__in=keys)) if keys else []
    else:
        rows = list(queryset[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], number, len(rows) > PAGE_SIZE
