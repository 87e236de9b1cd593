from django.urls import path

from vip.jobs import views

app_name = "jobs"
urlpatterns = [
    path("<id:job_id>/", views.job_detail, name="job"),
]
