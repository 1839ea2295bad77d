"""Finding 10 of the security review: a Content-Security-Policy without inline script or style,
HSTS once cookies are https-only, and no cache keeps pages or answers with personal data."""

import re
from pathlib import Path

import pytest
from django.test import Client

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "ventanilla" / "web" / "templates"


@pytest.mark.django_db
def test_finding_10_pages_carry_a_csp_without_inline_script_or_style(admin_client):
    for path in ["/login/", "/", "/api/auth/csrf"]:
        policy = admin_client.get(path).headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'", path
        assert directives["style-src"] == "'self'", path
        assert directives["frame-ancestors"] == "'none'", path
        assert "unsafe" not in policy, path


def test_finding_10_no_template_needs_inline_script_or_style():
    inline = re.compile(r'<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle="|\son[a-z]+="|hx-on')
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0).strip()}"
        for path in TEMPLATES.rglob("*.html")
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.django_db
def test_finding_10_pages_and_answers_with_personal_data_are_never_stored(admin_client):
    for path in ["/", "/contacts/", "/api/conversations", "/login/"]:
        answer = admin_client.get(path)
        assert "no-store" in answer.headers["Cache-Control"], path
    static = Client().get("/static/web/console.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")


@pytest.mark.django_db
def test_finding_10_hsts_when_the_cookies_are_https_only(admin_client):
    # the default follows the cookies: https-only cookies (the default without DEBUG) mean https
    from ventanilla.config import settings as defaults

    assert defaults.SESSION_COOKIE_SECURE is True
    assert defaults.SECURE_HSTS_SECONDS == 31536000

    answer = admin_client.get("/login/", secure=True)

    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in admin_client.get("/login/").headers  # plain http
