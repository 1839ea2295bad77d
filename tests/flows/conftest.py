import pytest

from tests.flows.samples import demo_flow


@pytest.fixture
def flow_data(soporte, ventas):
    """`flow_data(**changes)`: the demo flow as the API takes it."""

    def make(**fields):
        return demo_flow(soporte.pk, ventas.pk, **fields)

    return make
