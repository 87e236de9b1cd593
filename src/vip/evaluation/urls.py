from django.urls import path

from vip.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.index, name="index"),
    path("funders/", views.funders, name="funders"),
    path("<id:run_id>/", views.run, name="run"),
    path("<id:run_id>/csv/", views.run_csv, name="run_csv"),
    path("<id:run_id>/json/", views.run_json, name="run_json"),
    path("<id:run_id>/dataset/", views.run_dataset, name="run_dataset"),
    path("<id:run_id>/<str:fmt>/", views.run_document, name="run_document"),
]
