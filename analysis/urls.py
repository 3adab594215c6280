from django.urls import path

from . import views

app_name = "analysis"
urlpatterns = [
    path("<slug:slug>/screening/", views.screening_list, name="screening"),
    path("<slug:slug>/live/exclusions.json", views.live_exclusions, name="live-exclusions"),
    path("<slug:slug>/screening/<uuid:participant>/annotate/", views.annotate, name="annotate"),
    path("<slug:slug>/screening/agreement/", views.agreement, name="agreement"),
    path("<slug:slug>/screening/<uuid:participant>/settle/", views.settle, name="settle"),
]
