"""Mounted under /events/ beside the events app's own URLs (config/urls.py)."""

from django.urls import path

from groupwork import views, views_materials, views_questions, views_sharing

app_name = "groupwork"

urlpatterns = [
    path("manage/<int:pk>/groups/", views.manage, name="manage"),
    path("manage/<int:pk>/groups/generate/", views.generate, name="generate"),
    path("manage/<int:pk>/groups/people/", views.profiles, name="profiles"),
    path("manage/<int:pk>/groups/rules/", views.add_rule, name="add_rule"),
    path("manage/<int:pk>/groups/rules/<int:rule_id>/delete/", views.remove_rule, name="remove_rule"),
    path("manage/<int:pk>/groups/moves/", views.move, name="move"),
    path("manage/<int:pk>/groups/lock/", views.lock, name="lock"),
    path("manage/<int:pk>/groups/zoom.csv", views.zoom_csv, name="zoom_csv"),
    path("manage/<int:pk>/groups/print/", views.print_list, name="print"),
    path("manage/<int:pk>/groups/sharing/", views.share_until, name="share_until"),
    path("manage/<int:pk>/groups/results/", views.breakdown, name="breakdown"),
    path("manage/<int:pk>/materials/", views_materials.manage, name="materials"),
    path(
        "manage/<int:pk>/materials/<int:material_id>/delete/",
        views_materials.remove,
        name="material_remove",
    ),
    path("<int:pk>/materials/<int:material_id>/", views_materials.download, name="material"),
    path("<int:pk>/questions/", views_questions.ask, name="questions"),
    path("manage/<int:pk>/questions/", views_questions.manage, name="questions_manage"),
    path("manage/<int:pk>/questions/arrange/", views_questions.arrange, name="questions_arrange"),
    path("manage/<int:pk>/questions/publish/", views_questions.publish, name="questions_publish"),
    path("manage/<int:pk>/questions.xlsx", views_questions.export, name="questions_xlsx"),
    path("<int:pk>/group/sheets/", views_sharing.sheets, name="shared_sheets"),
    path("<int:pk>/group/sheets/<uuid:submission_id>/", views_sharing.sheet, name="shared_sheet"),
    path(
        "<int:pk>/group/sheets/<uuid:submission_id>/files/<int:answer_id>/",
        views_sharing.sheet_file,
        name="shared_sheet_file",
    ),
]
