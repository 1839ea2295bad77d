from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "ventanilla.contacts"
    label = "contacts"
