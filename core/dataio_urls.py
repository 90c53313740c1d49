"""The browser import page. core/urls.py includes it at /core/import/, so it is `core:data_import`."""

from django.urls import path

from core.views.dataio import DataImportView

urlpatterns = [
    path("", DataImportView.as_view(), name="data_import"),
]
