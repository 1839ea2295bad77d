"""Middleware that every response of the desk goes through."""

from django.utils.cache import patch_cache_control

from ventanilla.core import audit


class NoStoreMiddleware:
    """Console pages, API answers and media carry customers' personal data: no browser or proxy
    cache keeps them (static files are served before this by WhiteNoise, and stay cacheable)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response:
            patch_cache_control(response, no_store=True, private=True)
        return response


class AuditContextMiddleware:
    """Audit entries written while a request is served name its user, token and address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bound = audit.bind(request)
        try:
            return self.get_response(request)
        finally:
            audit.unbind(bound)
