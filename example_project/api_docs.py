"""``/api/schema/`` and ``/api/docs/``: the OpenAPI schema and Swagger UI, under the app's strict CSP.

The page's scripts are files (drf-spectacular's split view serves its start-up script from ``?script``, and
drf-spectacular-sidecar the Swagger UI bundle), its styles are files too; the only widening is ``data:``
images, which Swagger UI's stylesheet uses for its icons.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from django_apiauth.http_security.csp import csp_extend


class SwaggerPage(SpectacularSwaggerSplitView):
    template_name = "api_docs/swagger_ui.html"


#: Public, like the API's documentation: no credential is read, none is needed.
schema_view = SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[])
docs_view = csp_extend(img_src=["data:"])(SwaggerPage.as_view(url_name="schema"))
