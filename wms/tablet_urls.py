"""The warehouse tablet screens. No app_name: wms/urls.py includes them at tablet/, so they are named
inside the `wms` namespace (wms:tablet_home, wms:tablet_pick, ...)."""

from django.urls import path

from wms import tablet

urlpatterns = [
    path("", tablet.home, name="tablet_home"),
    path("receive/", tablet.receive_list, name="tablet_receive_list"),
    path("receive/<int:pk>/", tablet.receipt, name="tablet_receipt"),
    path("receive/<int:pk>/lines/<int:line_pk>/", tablet.receipt_line, name="tablet_receipt_line"),
    path("receive/<int:pk>/close/", tablet.receipt_close_view, name="tablet_receipt_close"),
    path("putaway/", tablet.putaway_list, name="tablet_putaway_list"),
    path("putaway/<int:pk>/", tablet.putaway, name="tablet_putaway"),
    path("pick/", tablet.pick_lists, name="tablet_pick_lists"),
    path("pick/lists/<int:pk>/", tablet.pick, {"scope": "list"}, name="tablet_pick"),
    path("pick/waves/<int:pk>/", tablet.pick, {"scope": "wave"}, name="tablet_pick_wave"),
    path(
        "pick/lists/<int:pk>/short/<int:line_pk>/",
        tablet.pick_short_view,
        {"scope": "list"},
        name="tablet_pick_short",
    ),
    path(
        "pick/waves/<int:pk>/short/<int:line_pk>/",
        tablet.pick_short_view,
        {"scope": "wave"},
        name="tablet_pick_wave_short",
    ),
    path("count/", tablet.count_list, name="tablet_count_list"),
    path("count/<int:pk>/", tablet.count, name="tablet_count"),
    path("count/<int:pk>/found/", tablet.count_found, name="tablet_count_found"),
    path("move/", tablet.move, name="tablet_move"),
]
