from django.urls import path

from surveys.views import answering, building, results

app_name = "surveys"

urlpatterns = [
    # Organizers: building
    path("event/<int:pk>/add/", building.add_form, name="add"),
    path("event/<int:pk>/", building.event_forms, name="event_forms"),
    path("<int:pk>/", building.builder, name="builder"),
    path("<int:pk>/settings/", building.form_settings, name="settings"),
    path("<int:pk>/preview/", answering.preview, name="preview"),
    path("<int:pk>/sections/add/", building.section_add, name="section_add"),
    path("sections/<int:section_id>/", building.section_edit, name="section_edit"),
    path("sections/<int:section_id>/delete/", building.section_delete, name="section_delete"),
    path("sections/<int:section_id>/move/", building.section_move, name="section_move"),
    path("sections/<int:section_id>/questions/add/", building.question_add, name="question_add"),
    path("questions/<int:question_id>/", building.question_edit, name="question_edit"),
    path("questions/<int:question_id>/delete/", building.question_delete, name="question_delete"),
    path("questions/<int:question_id>/move/", building.question_move, name="question_move"),
    # Participants
    path("<int:pk>/e/<int:event_id>/fill/", answering.fill, name="fill"),
    path("<int:pk>/e/<int:event_id>/sent/", answering.sent, name="sent"),
    path("answer/<str:token>/", answering.answer_token, name="answer_token"),
    path("files/<int:answer_id>/", answering.download_file, name="file"),
    # Organizers: answers and results
    path("<int:pk>/e/<int:event_id>/status/", results.status, name="status"),
    path("submissions/<uuid:submission_id>/", results.submission_detail, name="submission"),
    path("<int:pk>/e/<int:event_id>/export.xlsx", results.export_xlsx, name="export_xlsx"),
    path("<int:pk>/e/<int:event_id>/export.csv", results.export_csv, name="export_csv"),
    path("<int:pk>/e/<int:event_id>/files.zip", results.export_files, name="export_files"),
    path("<int:pk>/e/<int:event_id>/results/", results.results_page, name="results"),
    path("<int:pk>/e/<int:event_id>/results/refresh/", results.refresh, name="refresh"),
    path("<int:pk>/compare/", results.compare, name="compare"),
]
