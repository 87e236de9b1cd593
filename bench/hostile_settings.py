"""Settings of the hostile run (bench/hostile_run.py): production, minus what loopback and the
attack itself make meaningless.

Everything comes from config.settings.prod (DEBUG off, production error pages, Secure and
HttpOnly cookies, security headers). Two things differ, and the run's record says so:

- no TLS on loopback: the redirect to https is off (VIP_SSL_REDIRECT=0 in the environment, the
  setting a city uses behind a proxy that terminates TLS); the run's clients send the Secure
  cookies themselves;
- the sign-in throttles are off: allauth's rate limits (10 failed sign-ins a minute per address,
  5 per account) and the lockout answer sqlmap's hundreds of attempts with 429 or a locked page,
  so the username and password would never reach the code under attack. The throttles have their
  own tests in the suite;
- passwords are hashed with the test suite's fast hasher: PBKDF2 with a million iterations takes
  about 1.8 s per sign-in attempt on the 2-core machine the run was sized for, which made the
  sign-in form alone 8 minutes; the hasher runs the same queries either way.
"""

from config.settings.prod import *  # noqa: F403

ACCOUNT_RATE_LIMITS = False
AXES_ENABLED = False  # django-axes (the lockout), when installed
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
