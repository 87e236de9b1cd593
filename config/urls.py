from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import include, path, reverse
from django.views.generic import RedirectView

from vip.accounts.views import keep_alive, set_language
from vip.core.health import healthz
from vip.desk.queues import follow_ups
from vip.desk.views import home
from vip.reports.urls import public_patterns


@login_not_required
def admin_login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """The admin signs in through the same two-factor sign-in as everything else."""
    return redirect_to_login(request.GET.get("next", reverse("admin:index")), login_url=reverse("account_login"))


admin.site.login = admin_login  # type: ignore[method-assign]

urlpatterns = [
    path("", login_not_required(RedirectView.as_view(pattern_name="home", permanent=False))),
    # Browsers ask for /favicon.ico on their own: answer with the icon, never with a sign-in redirect.
    path("favicon.ico", login_not_required(RedirectView.as_view(url=static("vip/favicon.ico"), permanent=True))),
    # The load balancer's health check (vip.core.health): no sign-in, no data, 200 or 503.
    path("healthz", healthz, name="healthz"),
    path("home/", home, name="home"),
    # "Stay signed in" (the warning before the idle limit): before allauth's own pages.
    path("accounts/keep-alive/", keep_alive, name="keep_alive"),
    path("home/follow-ups/", follow_ups, name="follow_ups"),
    path("accounts/", include("allauth.urls")),
    # The language switch in the header: reachable before signing in (the sign-in page has it too).
    # Used while signed in, the choice is kept on the account (vip.accounts.views.set_language).
    path("i18n/setlang/", set_language, name="set_language"),
    path("people/", include("vip.people.urls")),
    path("people/", include("vip.desk.urls")),
    path("referrals/", include("vip.referrals.urls")),
    path("notifications/", include("vip.notifications.urls")),
    path("services/", include("vip.service_referrals.urls")),
    path("outcomes/", include("vip.outcomes.urls")),
    path("casework/", include("vip.casework.urls")),
    path("mediations/", include("vip.mediations.urls")),
    path("safety-plans/", include("vip.safety_plans.urls")),
    path("incentives/", include("vip.incentives.urls")),
    path("groups/", include("vip.groups.urls")),
    path("hospital/", include("vip.hospital.urls")),
    path("field/", include("vip.field.urls")),
    path("identification/", include("vip.identification.urls")),
    path("data/", include("vip.interchange.urls")),
    path("reports/", include("vip.reports.urls")),
    path("evaluation/", include("vip.evaluation.urls")),
    path("jobs/", include("vip.jobs.urls")),
    path("public/reports/", include(public_patterns)),
    path("api/", include("vip.api.urls")),
    path("audit/", include("vip.audit.urls")),
    path("admin/", admin.site.urls),
]

# The program's own error pages (plain, translated, no request data); JSON under /api/.
handler400 = "vip.core.views.bad_request"
handler403 = "vip.core.views.permission_denied"
handler404 = "vip.core.views.page_not_found"
handler500 = "vip.core.views.server_error"
