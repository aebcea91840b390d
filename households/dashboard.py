from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from helpcenter.dashboard import Card
from helpcenter.models import Role, User
from households import selectors
from households.choices import Status
from households.models import Household


def household_cards(user: User) -> list[Card]:
    if not user.has_perm("households.view_household"):
        return []
    list_url = reverse("households:list")
    cards = [
        Card(
            _("Registered households"),
            Household.objects.visible_to(user).filter(status=Status.REGISTERED).count(),
            _("households"),
            f"{list_url}?status={Status.REGISTERED}",
        )
    ]
    if user.has_role(Role.CASEWORKER, Role.SUPERVISOR):
        cards.append(
            Card(
                _("Visits due"),
                selectors.visits_due(user).count(),
                _("households"),
                f"{list_url}?visit_due=true",
            )
        )
        cards.append(
            Card(
                _("Yearly reviews due"),
                selectors.reviews_due(user).count(),
                _("households"),
                reverse("households:review_queue"),
            )
        )
    return cards
