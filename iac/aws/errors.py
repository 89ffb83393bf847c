"""AWS failures as one clear message: the call, where, and AWS's own words."""

from __future__ import annotations

from iac.errors import IacError


class AwsError(IacError):
    """An AWS call failed; ``code`` is AWS's error code (None: no answer)."""

    def __init__(self, message: str, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


MISSING_BOTO3 = (
    "aws_event_bus needs the AWS SDK for Python (boto3), which is not installed: "
    "pip install 'genesys-eventbridge-iac[aws]'"
)


def describe_failure(call: str, where: str, err: BaseException) -> AwsError:
    """``err`` (a botocore exception) as an ``AwsError`` naming the call and ``where``."""
    response = getattr(err, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        code = error.get("Code")
        message = error.get("Message") or str(err)
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return AwsError(f"AWS {call} ({where}) failed: {code}: {message}", code, status)
    name = type(err).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return AwsError(
            f"AWS {call} ({where}): no AWS credentials found. Set AWS_PROFILE, or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with an instance role.",
            code="NoCredentials",  # not worth another try
        )
    return AwsError(f"AWS {call} ({where}) failed: {name}: {err}")
