# The console's people and tenant, shared with the unlocks admin tests.
from unlocks.tests.admin.conftest import agent, agent_client, superuser_client  # noqa: F401
from unlocks.tests.conftest import tenant  # noqa: F401
