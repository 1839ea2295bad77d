import pytest

from ventanilla.accounts.models import Role
from ventanilla.surveys.services import area_survey_update


@pytest.fixture
def surveyed_area(make_area, admin):
    """Soporte, with its satisfaction survey on."""
    area = make_area("Soporte")
    area_survey_update(by=admin, area=area, enabled=True)
    return area


@pytest.fixture
def agent(make_user, surveyed_area):
    return make_user(Role.SUPPORT, areas=[surveyed_area], name="Sofía")
