from django.urls import URLPattern

app_name = "hospital"
urlpatterns: list[URLPattern] = []
