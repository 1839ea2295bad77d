"""The contact shape of the API (`ContactOut`), for outgoing webhooks."""


def contact_item(contact) -> dict:
    area = contact.area
    return {
        "id": contact.pk,
        "name": contact.name,
        "phone": contact.phone,
        "phone_verified": contact.phone_verified,
        "wa_user_id": contact.wa_user_id,
        "dni": contact.dni,
        "area": {"id": area.pk, "name": area.name} if area is not None else None,
        "created_at": contact.created_at.isoformat(),
        "updated_at": contact.updated_at.isoformat(),
    }
