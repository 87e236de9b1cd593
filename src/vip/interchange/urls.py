from django.urls import path

from vip.interchange import views

app_name = "data"
urlpatterns = [
    path("", views.data, name="index"),
    path("import/", views.mapped, name="mapped"),
    path("uploads/", views.uploads, name="uploads"),
    path("uploads/<int:upload_id>/", views.upload, name="upload"),
    path("uploads/<int:upload_id>/import/", views.upload_again, name="upload_import"),
    path("export/", views.export, name="export"),
]
