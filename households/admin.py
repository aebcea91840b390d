"""The county's administrators keep the standards, thresholds and document types here.
Household files are changed only through the product's pages and services, which record every
change."""

from django.contrib import admin

from helpcenter.admin_site import ScopedModelAdmin
from households.models import ClassificationPolicy, DocumentType, LivingStandard


@admin.register(LivingStandard)
class LivingStandardAdmin(ScopedModelAdmin):
    list_display = ["county", "effective_from", "monthly_amount", "source"]
    list_filter = ["county"]
    date_hierarchy = "effective_from"


@admin.register(ClassificationPolicy)
class ClassificationPolicyAdmin(ScopedModelAdmin):
    list_display = [
        "county",
        "effective_from",
        "near_multiple",
        "accident_income_multiple",
        "accident_cost_share",
        "severe_multiple",
        "serious_multiple",
    ]
    list_filter = ["county"]


@admin.register(DocumentType)
class DocumentTypeAdmin(ScopedModelAdmin):
    list_display = ["name", "code", "causes", "required_for_all", "position"]
    list_editable = ["position"]
