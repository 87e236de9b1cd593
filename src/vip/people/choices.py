from django.db import models


class Sex(models.TextChoices):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"


class Race(models.TextChoices):
    AMERICAN_INDIAN = "american_indian", "American Indian or Alaska Native"
    ASIAN = "asian", "Asian"
    BLACK = "black", "Black or African American"
    PACIFIC_ISLANDER = "pacific_islander", "Native Hawaiian or Pacific Islander"
    WHITE = "white", "White"
    MULTIPLE = "multiple", "More than one race"
    OTHER = "other", "Other"


class Ethnicity(models.TextChoices):
    HISPANIC = "hispanic", "Hispanic or Latino"
    NOT_HISPANIC = "not_hispanic", "Not Hispanic or Latino"


class ContactKind(models.TextChoices):
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    SOCIAL = "social", "Social media"
    OTHER = "other"


class AliasKind(models.TextChoices):
    NICKNAME = "nickname"
    STREET_NAME = "street_name", "Street name"
    PREVIOUS_NAME = "previous_name", "Previous or legal name"
    SPELLING = "spelling", "Other spelling"
