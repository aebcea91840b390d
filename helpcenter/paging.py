"""Paging for lists that may hold 100,000 rows: no COUNT on every request."""

from django.http import HttpRequest

PAGE_SIZE = 50
MAX_PAGE = 10_000


def page_of(request: HttpRequest, queryset) -> tuple[list, int, bool]:
    """One page without counting the table: fetch one row more to know if there is a next.
    Returns (rows, page number, has a next page). A page number that is not one is page 1."""
    try:
        number = min(max(int(request.GET.get("page", 1)), 1), MAX_PAGE)
    except ValueError:
        number = 1
    start = (number - 1) * PAGE_SIZE
    rows = list(queryset[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], number, len(rows) > PAGE_SIZE
