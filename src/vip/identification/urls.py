from django.urls import path

from vip.identification import views

app_name = "identification"
urlpatterns = [
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/new/", views.review_new, name="review_new"),
    path("reviews/<id:review_id>/", views.review, name="review"),
    path("reviews/<id:review_id>/lookup/", views.review_lookup, name="review_lookup"),
    path("criteria/", views.criteria, name="criteria"),
    path("candidates/", views.candidates, name="candidates"),
    path("candidates/run/", views.identify_run, name="identify_run"),
    path("candidates/<id:candidate_id>/", views.candidate, name="candidate"),
    path("disparity/", views.disparity, name="disparity"),
    path("disparity/<id:run_id>/", views.disparity_run, name="disparity_run"),
    path("disparity/<id:run_id>/csv/", views.disparity_csv, name="disparity_csv"),
]
