from django.urls import path

from vip.outcomes import views

app_name = "outcomes"
urlpatterns = [path("people/<id:person_id>/new/", views.new, name="new")]
