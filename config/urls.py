from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from vip.reports.urls import public_patterns

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="public:index", permanent=False)),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("reports/", include("vip.reports.urls")),
    path("public/reports/", include(public_patterns)),
    path("admin/", admin.site.urls),
]
