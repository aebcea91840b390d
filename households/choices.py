"""The household file's vocabularies. Labels are English msgids translated to Chinese."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    EXITED = "exited", _("Exited hardship")
    REMOVED = "removed", _("Removed")


class Category(models.TextChoices):
    SUBSISTENCE = "subsistence", _("Minimum-living allowance household")
    NEAR_SUBSISTENCE = "near_subsistence", _("Near the minimum-living line")
    ACCIDENT = "accident", _("Hardship from accident or illness")
    NOT_ELIGIBLE = "not_eligible", _("Not in hardship")


class Degree(models.TextChoices):
    SEVERE = "severe", _("Extreme hardship")
    SERIOUS = "serious", _("Serious hardship")
    GENERAL = "general", _("General hardship")


class Cause(models.TextChoices):
    ILLNESS = "illness", _("Illness")
    DISABILITY = "disability", _("Disability")
    EDUCATION = "education", _("Education costs")
    SINGLE_PARENT = "single_parent", _("Single parent")
    ACCIDENT = "accident", _("Accident or disaster")
    JOB_LOSS = "job_loss", _("Job loss")
    LOW_INCOME = "low_income", _("Low income")
    NO_LABOUR = "no_labour", _("No able worker")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    INTERNAL_RETIREMENT = "internal_retirement", _("Internal retirement")
    LAID_OFF = "laid_off", _("Laid off, waiting")
    RETIRED = "retired", _("Retired")
    UNEMPLOYED = "unemployed", _("Unemployed")


class Housing(models.TextChoices):
    OWN = "own", _("Own home")
    PUBLIC_RENTAL = "public_rental", _("Public rental housing")
    RENTED = "rented", _("Rented")
    WITH_PARENTS = "with_parents", _("Living with parents")


class Relation(models.TextChoices):
    SELF = "self", _("Head (the worker)")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER = "other", _("Other relative")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    CHRONIC = "chronic", _("Chronic illness")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")
    DISABLED = "disabled", _("Disabled")


class SchoolStage(models.TextChoices):
    NONE = "", _("Not in school")
    PRESCHOOL = "preschool", _("Preschool")
    COMPULSORY = "compulsory", _("Compulsory education")
    HIGH_SCHOOL = "high_school", _("High school")
    VOCATIONAL = "vocational", _("Vocational school")
    UNIVERSITY = "university", _("University")


class ModelWorkerLevel(models.TextChoices):
    NONE = "", _("Not a model worker")
    COUNTY = "county", _("County level")
    CITY = "city", _("City level")
    PROVINCE = "province", _("Provincial level")
    NATIONAL = "national", _("National level")
