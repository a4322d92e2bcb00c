from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with tiny costs, for tests only: same code path, a fraction of the time."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1
