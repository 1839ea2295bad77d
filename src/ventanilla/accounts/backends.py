from django.contrib.auth.backends import ModelBackend

from ventanilla.accounts.models import User


class UsernameOrEmailBackend(ModelBackend):
    """Signs in with either the username or the e-mail address, both case-insensitive."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        identifier = username.strip().lower()
        field = "email" if "@" in identifier else "username"
        user = User.objects.filter(**{field: identifier}).first()
        if user is None:
            User().set_password(
                password
            )  # same cost as a real check: no user enumeration by timing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
