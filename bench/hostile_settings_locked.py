"""Settings of the hostile run's second server (bench/hostile_run.py, security row 33): production
with the lockout on, as a city runs it.

The main server of the run has the sign-in throttles and the lockout off, so that sqlmap reaches
the code (bench/hostile_settings.py). Guessing the second factor is only meaningful against the
lockout, so this server keeps everything of config.settings.prod: django-axes (VIP_LOCKOUT_FAILURES
failures lock the account for VIP_LOCKOUT_MINUTES) and allauth's rate limits as production has
them. One thing differs, as on the main server: the test suite's fast password hasher (each of the
probe's sessions signs in with the right password first; PBKDF2 takes about 1.8 s a time here).
"""

from config.settings.prod import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
