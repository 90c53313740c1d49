from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularSwaggerSplitView

from core.api.errors import not_found
from core.api.views import SchemaView, TokenView
from core.views import auth, health, metrics
from core.views.pages import HomeView

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's set-up script as a file: no inline script (CSP, docs/security.md).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("core/", include("core.api.urls")),
    path("plm/", include("plm.api.urls")),
    path("wms/", include("wms.api.urls")),
    path("erp/", include("erp.api.urls")),
    path("srm/", include("srm.api.urls")),
    path("aps/", include("aps.api.urls")),
    path("mes/", include("mes.api.urls")),
    path("crm/", include("crm.api.urls")),
    path("shopfloor/", include("shopfloor.api.urls")),
    re_path(r"", not_found),
]

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
    path("metrics", metrics.metrics, name="metrics"),
    path("accounts/login/", auth.SignInView.as_view(), name="login"),
    path("accounts/two-factor/", auth.TwoFactorView.as_view(), name="two_factor"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("core/", include("core.urls")),
    path("plm/", include("plm.urls")),
    path("wms/", include("wms.urls")),
    path("erp/", include("erp.urls")),
    path("srm/", include("srm.urls")),
    path("aps/", include("aps.urls")),
    path("mes/", include("mes.urls")),
    path("crm/", include("crm.urls")),
    path("shopfloor/", include("shopfloor.urls")),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
