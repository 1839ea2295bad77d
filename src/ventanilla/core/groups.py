"""Names of the channel-layer groups a console socket joins."""


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def role_group(role: str) -> str:
    return f"role.{role}"


def area_group(area_id: int) -> str:
    return f"area.{area_id}"
