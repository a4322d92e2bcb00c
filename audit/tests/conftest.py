# The console's people and tenant, shared with the unlocks admin tests.
from unlocks.tests.admin.conftest import (  # noqa: F401
    agent,
    agent_client,
    staff_client,
    superuser_client,
)
from unlocks.tests.conftest import admin, tenant  # noqa: F401
