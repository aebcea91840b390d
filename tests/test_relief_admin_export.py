"""The export page of each spreadsheet model in the admin site names the columns to choose by the
sheet's Chinese headers, not by the fields' English names."""

import re

import pytest
from django.urls import reverse

from relief.admin import (
    FundResource,
    FundYearResource,
    GoodsItemResource,
    LoanProgrammeResource,
    ProgrammeResource,
    TierResource,
)

pytestmark = pytest.mark.django_db

RESOURCES = {
    "programme": ProgrammeResource,
    "tier": TierResource,
    "goodsitem": GoodsItemResource,
    "fund": FundResource,
    "fundyear": FundYearResource,
    "loanprogramme": LoanProgrammeResource,
}


def _labels(html: str) -> list[str]:
    """The field chooser's labels (a label per column box, for="id_<resource>_<field>")."""
    return [
        label.strip()
        for label in re.findall(r'<label[^>]*for="id_\w+resource_\w+"[^>]*>([^<]*)</label>', html)
    ]


@pytest.mark.parametrize("model", RESOURCES)
def test_the_export_page_names_the_columns_in_chinese(client, registry, model):
    client.force_login(registry.administrator)
    page = client.get(reverse(f"admin:relief_{model}_export"))
    assert page.status_code == 200
    html = page.content.decode()
    resource = RESOURCES[model]
    headers = [resource.fields[name].column_name for name in resource._meta.fields]
    assert _labels(html) == headers
    for english in ("Active", "Code", "Kind", "Name", "Id"):
        assert not re.search(rf">\s*{english}\b", html), english
