from django.urls import path

from vip.desk import views

app_name = "desk"
urlpatterns = [
    path("<id:person_id>/", views.person, name="person"),
    path("<id:person_id>/edit/", views.person_edit, name="edit"),
    path("<id:person_id>/aliases/new/", views.alias_new, name="alias_new"),
    path("<id:person_id>/aliases/<id:alias_id>/remove/", views.alias_delete, name="alias_remove"),
    path("<id:person_id>/peer/", views.person_assign, name="assign"),
    path("<id:person_id>/correct/<slug:kind>/<id:entry_id>/", views.correct, name="correct"),
    path("<id:person_id>/summary.pdf", views.summary_pdf, name="summary_pdf"),
]
