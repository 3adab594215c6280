from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "analysis"
    verbose_name = "Analysis"

    def ready(self):
        from . import signals  # noqa: F401  (connects the lock-on-first-participant receiver)
