from django.db import models
from django.utils.translation import gettext_lazy as _


class NeedDomain(models.TextChoices):
    HOUSING = "housing", _("Housing")
    EMPLOYMENT = "employment", _("Work and income")
    EDUCATION = "education", _("Education")
    BEHAVIORAL_HEALTH = "behavioral_health", _("Behavioral health")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    PHYSICAL_HEALTH = "physical_health", _("Physical health")
    SAFETY = "safety", _("Safety and conflict")
    FAMILY = "family", _("Family")
    LEGAL = "legal", _("Legal")
    BASIC_NEEDS = "basic_needs", _("Food, clothing, transport")
    DOCUMENTS = "documents", _("ID and documents")


class NeedLevel(models.TextChoices):
    NONE = "none", _("No need")
    SOME = "some", _("Some need")
    URGENT = "urgent", _("Urgent need")


class ContactKind(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    TEXT = "text", _("Text message")
    VIDEO = "video", _("Video")
    ATTEMPTED = "attempted", _("Attempted, no contact")
