from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "vip.evaluation"
    label = "evaluation"
    verbose_name = "Evaluation"
