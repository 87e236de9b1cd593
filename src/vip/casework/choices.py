from django.db import models


class NeedDomain(models.TextChoices):
    HOUSING = "housing", "Housing"
    EMPLOYMENT = "employment", "Work and income"
    EDUCATION = "education", "Education"
    BEHAVIORAL_HEALTH = "behavioral_health", "Behavioral health"
    SUBSTANCE_USE = "substance_use", "Substance use"
    PHYSICAL_HEALTH = "physical_health", "Physical health"
    SAFETY = "safety", "Safety and conflict"
    FAMILY = "family", "Family"
    LEGAL = "legal", "Legal"
    BASIC_NEEDS = "basic_needs", "Food, clothing, transport"
    DOCUMENTS = "documents", "ID and documents"


class NeedLevel(models.TextChoices):
    NONE = "none", "No need"
    SOME = "some", "Some need"
    URGENT = "urgent", "Urgent need"


class ContactKind(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"
    TEXT = "text", "Text message"
    VIDEO = "video", "Video"
    ATTEMPTED = "attempted", "Attempted, no contact"
