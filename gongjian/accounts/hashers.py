"""The password hasher: Argon2id with OWASP's recommended minimum (19 MiB of memory, 2 passes, one
lane). See docs/decisions/0004-password-hasher.md for why, and what it costs."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class GongjianArgon2PasswordHasher(Argon2PasswordHasher):
    """Same algorithm name ("argon2") and encoding as Django's: the parameters are stored in each
    hash, so a hash made with other parameters still verifies and is re-hashed at the next login."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
