from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from vip.api import (
    schema,  # noqa: F401 (the token scheme registers before any schema is made)
    views,
)
from vip.audit.reads import person_page
from vip.people.selectors import person_list

app_name = "api"


@login_not_required
def not_found(request: HttpRequest) -> JsonResponse:
    """Unknown API addresses answer in JSON, like the rest of the API."""
    return JsonResponse({"detail": "Not found."}, status=404)


PERSON = views.PersonDetail.as_view()

urlpatterns = [
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    path("v1/people/", views.PersonList.as_view(), name="people"),
    # About one person: every request to it leaves one audit event, whatever its method (row 36).
    path("v1/people/<id:person_id>/", person_page(person_list, "person_id")(PERSON), name="person"),
    path("v1/referrals/", views.ReferralList.as_view(), name="referrals"),
    path("v1/incidents/", views.IncidentCreate.as_view(), name="incidents"),
    path("v1/reports/<str:month>/", views.ReportFigures.as_view(), name="report"),
    # The records of the field work.
    path("v1/", include("vip.api.mediations")),
    path("v1/", include("vip.api.safety_plans")),
    path("v1/", include("vip.api.incentives")),
    path("v1/", include("vip.api.groups")),
    path("v1/", include("vip.api.hospital")),
    # Any other address, newlines and all (a fuzzer's "people/[\n#/" must not reach the HTML 404).
    re_path(r"^[\s\S]*$", not_found, name="not_found"),
]
