from django.urls import path

from vip.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("runs/<id:run_id>/", views.run_detail, name="run"),
    path("runs/<id:run_id>/preview/", views.run_preview, name="preview"),
    path("runs/<id:run_id>/publish/", views.run_publish, name="publish"),
    path("runs/<id:run_id>/charts/<str:name>.svg", views.run_chart, name="chart"),
    path("runs/<id:run_id>/<str:fmt>/", views.run_download, name="download"),
]

public_patterns = (
    [
        path("", views.public_index, name="index"),
        path("<str:month>/", views.public_month, name="report"),
        path("<str:month>/charts/<str:name>.svg", views.public_chart, name="chart"),
        path("<str:month>/<str:fmt>/", views.public_report, name="download"),
    ],
    "public",
)
