from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from ventanilla.core.permissions import PUBLIC
from ventanilla.web.access import requires


@requires(PUBLIC)
@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@requires(PUBLIC)
@never_cache
def readyz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means "not ready"
        return JsonResponse({"status": "unavailable", "detail": str(error)}, status=503)
    return JsonResponse({"status": "ok"})
