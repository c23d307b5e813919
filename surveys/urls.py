from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    # Organizers: building
    path("event/<int:pk>/add/", views.add_form, name="add"),
    path("event/<int:pk>/", views.event_forms, name="event_forms"),
    path("<int:pk>/", views.builder, name="builder"),
    path("<int:pk>/settings/", views.form_settings, name="settings"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/sections/add/", views.section_add, name="section_add"),
    path("sections/<int:section_id>/", views.section_edit, name="section_edit"),
    path("sections/<int:section_id>/delete/", views.section_delete, name="section_delete"),
    path("sections/<int:section_id>/move/", views.section_move, name="section_move"),
    path("sections/<int:section_id>/questions/add/", views.question_add, name="question_add"),
    path("questions/<int:question_id>/", views.question_edit, name="question_edit"),
    path("questions/<int:question_id>/delete/", views.question_delete, name="question_delete"),
    path("questions/<int:question_id>/move/", views.question_move, name="question_move"),
    # Participants
    path("<int:pk>/e/<int:event_id>/fill/", views.fill, name="fill"),
    path("<int:pk>/e/<int:event_id>/sent/", views.sent, name="sent"),
    path("answer/<str:token>/", views.answer_token, name="answer_token"),
    path("files/<int:answer_id>/", views.download_file, name="file"),
    # Organizers: answers and results
    path("<int:pk>/e/<int:event_id>/status/", views.status, name="status"),
    path("submissions/<uuid:submission_id>/", views.submission_detail, name="submission"),
    path("<int:pk>/e/<int:event_id>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("<int:pk>/e/<int:event_id>/export.csv", views.export_csv, name="export_csv"),
    path("<int:pk>/e/<int:event_id>/files.zip", views.export_files, name="export_files"),
    path("<int:pk>/e/<int:event_id>/results/", views.results_page, name="results"),
    path("<int:pk>/e/<int:event_id>/results/refresh/", views.refresh, name="refresh"),
    path("<int:pk>/compare/", views.compare, name="compare"),
]
