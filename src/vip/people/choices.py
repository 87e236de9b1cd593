from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")


class Race(models.TextChoices):
    AMERICAN_INDIAN = "american_indian", _("American Indian or Alaska Native")
    ASIAN = "asian", _("Asian")
    BLACK = "black", _("Black or African American")
    PACIFIC_ISLANDER = "pacific_islander", _("Native Hawaiian or Pacific Islander")
    WHITE = "white", _("White")
    MULTIPLE = "multiple", _("More than one race")
    OTHER = "other", _("Other")


class Ethnicity(models.TextChoices):
    HISPANIC = "hispanic", _("Hispanic or Latino")
    NOT_HISPANIC = "not_hispanic", _("Not Hispanic or Latino")


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    ADDRESS = "address", _("Address")
    SOCIAL = "social", _("Social media")
    OTHER = "other", _("Other")


class AliasKind(models.TextChoices):
    NICKNAME = "nickname", _("Nickname")
    STREET_NAME = "street_name", _("Street name")
    PREVIOUS_NAME = "previous_name", _("Previous or legal name")
    SPELLING = "spelling", _("Other spelling")
