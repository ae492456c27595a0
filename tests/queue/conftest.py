"""Queue tests need the moto SQS + S3 fixtures (the test session only starts moto if a test asks)."""

from tests.aws_fixtures import *  # noqa: F403
