"""No flow endpoint answers 500, whatever JSON it is sent."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ventanilla.flows import services

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-3, 10**20)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["menu", "redirect", "question", "end", "dni"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
node_fields = st.sampled_from(
    ["key", "type", "text", "trigger", "label", "area_id", "field", "close", "children"]
)
nodes = st.recursive(
    st.dictionaries(node_fields, json_values, max_size=6),
    lambda children: st.fixed_dictionaries(
        {
            "type": st.sampled_from(["menu", "message", "question"]),
            "children": st.lists(children, max_size=3),
        },
        optional={"text": scalars, "label": scalars, "trigger": scalars, "field": scalars},
    ),
    max_leaves=10,
)
flow_fields = st.sampled_from(
    ["name", "is_default", "is_active", "triggers", "invalid_option_text", "fallback_area_id"]
)
bodies = st.one_of(
    json_values,
    st.dictionaries(flow_fields, json_values, max_size=6),
    st.builds(
        lambda fields, root: {**fields, "name": "Flujo", "root": root},
        st.dictionaries(flow_fields, json_values, max_size=4),
        nodes,
    ),
    st.builds(lambda inputs: {"inputs": inputs}, json_values),
)


@pytest.mark.parametrize(
    "method,path",
    [("POST", "/api/flows"), ("PUT", "/api/flows/{flow}"), ("POST", "/api/flows/{flow}/simulate")],
)
def test_random_json_never_gets_a_server_error(method, path, api, admin, flow_data):
    flow = services.flow_create(data=flow_data())
    client = api(admin)
    url = path.format(flow=flow.pk)

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=bodies)
    def check(body):
        response = client.request(method, url, body)
        assert response.status_code < 500, (body, response.content)

    check()
