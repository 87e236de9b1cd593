from django.urls import URLPattern

app_name = "mediations"
urlpatterns: list[URLPattern] = []
