from django.urls import path

from records import views_casebook, views_learning, views_manage

app_name = "records"

urlpatterns = [
    path("me/", views_learning.mine, name="mine"),
    path("staff/", views_learning.staff, name="staff"),
    path("staff.xlsx", views_learning.staff_export, name="staff_export"),
    path("casebook/", views_casebook.casebook, name="casebook"),
    path("casebook/<int:year>/intro/", views_casebook.intro, name="casebook_intro"),
    path("casebook/<int:year>/build/", views_casebook.build, name="casebook_request"),
    path("casebook/builds/<uuid:pk>/", views_casebook.build_status, name="casebook_build"),
    path("casebook/builds/<uuid:pk>/book.<slug:fmt>", views_casebook.download, name="casebook_download"),
    path("<slug:scope>/<int:pk>/completion/", views_manage.completion, name="completion"),
    path("<slug:scope>/<int:pk>/rule/", views_manage.rule, name="rule"),
    path("<slug:scope>/<int:pk>/issue/", views_manage.issue_all, name="issue_all"),
    path("<slug:scope>/<int:pk>/issue/<int:user_id>/", views_manage.issue_one, name="issue_one"),
    path("certificates/<str:number>/revoke/", views_manage.revoke, name="revoke"),
    path("certificates/<str:number>/reissue/", views_manage.reissue, name="reissue"),
    path("certificates/<str:number>.pdf", views_manage.certificate_pdf, name="certificate_pdf"),
]
