"""Provider webhooks: no session; authenticated by the provider's own scheme before parsing."""

import json
import logging

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ventanilla.inbound import cloud

log = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def cloud_webhook(request):
    if request.method == "GET":
        challenge = cloud.verification_challenge(
            mode=request.GET.get("hub.mode", ""),
            token=request.GET.get("hub.verify_token", ""),
            challenge=request.GET.get("hub.challenge", ""),
        )
        if challenge is None:
            return HttpResponse("Forbidden", status=403, content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")
    raw = request.body
    lines = cloud.lines_signed_for(raw, request.headers.get("X-Hub-Signature-256"))
    if not lines:
        return JsonResponse({"detail": "Bad or missing X-Hub-Signature-256."}, status=403)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        # signed by Meta yet unreadable: retrying will not help, so acknowledge and log
        log.warning("signed Cloud API webhook with a body that is not JSON")
        return JsonResponse({"detail": "Body is not JSON."}, status=400)
    try:
        counts = cloud.receive(body, lines)
    except Exception:
        log.exception("could not store a Cloud API webhook")
        return JsonResponse({"detail": "Could not store the webhook; retry."}, status=503)
    return JsonResponse({"status": "stored", **counts})
