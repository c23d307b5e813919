"""Mounted under /events/ beside the events app's own URLs (config/urls.py)."""

from django.urls import path

from groupwork import views, views_materials

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
    path("manage/<int:pk>/materials/", views_materials.manage, name="materials"),
    path(
        "manage/<int:pk>/materials/<int:material_id>/delete/",
        views_materials.remove,
        name="material_remove",
    ),
    path("<int:pk>/materials/<int:material_id>/", views_materials.download, name="material"),
]
