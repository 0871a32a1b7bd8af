# ruff: noqa
# fmt: off
"""Credentials pasted into the source."""
AWS_ACCESS_KEY_ID = "AKIAJ7Q2ZP4WXRLM6N3B"  # expect: hardcoded-secret
GITHUB = "ghp_R8mZq2LxVt7NwPk4Hs9Jd3Fb6Yc1Ga5Ue0Qo"  # expect: hardcoded-secret
SLACK = "xoxb-2849301745-9302817465-kJ8hN2mQ4pR7tV1wX5zB"  # expect: hardcoded-secret
db_password = "Zq7!kP2#vL9m"  # expect: hardcoded-secret
PRIVATE = (  # expect: hardcoded-secret
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEA1c7Hq3Jm8xZ9\n"
    "-----END RSA PRIVATE KEY-----"
)
api_token = "a8f5f167f44f4964e6c998dee827110c3b1f9e4a"  # expect: high-entropy-string|hardcoded-secret
