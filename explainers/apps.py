from django.apps import AppConfig


class ExplainersConfig(AppConfig):
    """Django only sees explainers for its management commands and Celery tasks.

    Everything else in this package (generator, models, rendering) is plain torch and must not
    import Django, so that it runs on a GPU machine without it.
    """

    name = "explainers"
    verbose_name = "Explainers"
