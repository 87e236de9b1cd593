from django.urls import path

from vip.groups import views

app_name = "groups"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.group_new, name="new"),
    path("network/", views.network_view, name="network"),
    path("<id:group_id>/", views.group_detail, name="group"),
    path("<id:group_id>/edit/", views.group_edit, name="edit"),
    path("<id:group_id>/members/new/", views.membership_new, name="member_new"),
    path("people/<id:person_id>/new/", views.person_membership_new, name="person_member_new"),
    path("memberships/<id:membership_id>/end/", views.membership_end_view, name="member_end"),
    path("memberships/<id:membership_id>/void/", views.membership_void_view, name="member_void"),
    path("call-ins/", views.call_ins, name="call_ins"),
    path("call-ins/new/", views.call_in_new, name="call_in_new"),
    path("call-ins/<id:call_in_id>/", views.call_in_detail, name="call_in"),
    path("call-ins/<id:call_in_id>/edit/", views.call_in_edit, name="call_in_edit"),
]
