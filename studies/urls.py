from django.urls import path

from .views import dashboard, explorer, participant, pilot

app_name = "studies"
urlpatterns = [
    path("s/<slug:slug>/", participant.entry, name="entry"),
    path("s/<slug:slug>/step/", participant.step, name="step"),
    path("s/<slug:slug>/event/", participant.beacon, name="beacon"),
    path("s/<slug:slug>/explore/", explorer.explore, name="explore"),
    path("s/<slug:slug>/withdraw/", participant.withdraw, name="withdraw"),
    path("s/<slug:slug>/asset/<path:path>", participant.asset, name="asset"),
    path("s/<slug:slug>/stimulus/<str:key>/<str:name>", participant.stimulus, name="stimulus"),
    path("s/<slug:slug>/pilot/jump/", pilot.jump_to, name="pilot-jump"),
    path("s/<slug:slug>/preview/<str:token>/", pilot.preview, name="preview"),
    path("dashboard/<slug:slug>/pilot/", pilot.start, name="pilot-start"),
    path("dashboard/", dashboard.index, name="dashboard-index"),
    path("dashboard/<slug:slug>/", dashboard.study, name="dashboard"),
    path("dashboard/<slug:slug>/status.json", dashboard.status_json, name="dashboard-status"),
    path("dashboard/<slug:slug>/live.json", dashboard.live_json, name="dashboard-live"),
    path("dashboard/<slug:slug>/download/<str:kind>", dashboard.download, name="download"),
]
