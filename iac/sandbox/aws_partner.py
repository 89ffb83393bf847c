"""Genesys' part on the AWS side: the partner event source of an integration.

When an integration becomes ACTIVE, Genesys creates the partner event source
``aws.partner/genesys.com/cloud/<orgId>/<suffix>`` in the configured AWS account and region;
when the integration is deleted, it deletes it. Given an AWS endpoint (``--aws-endpoint URL``,
``SandboxOptions(aws_endpoint=...)`` or ``AWS_ENDPOINT_URL``: an AWS-compatible test endpoint
such as moto in server mode), the sandbox does the same there, as the partner:
``CreatePartnerEventSource(Name, Account)`` and ``DeletePartnerEventSource(Name, Account)``.

Standard library only: the calls are EventBridge's JSON protocol over ``urllib``, with an
unsigned ``Authorization`` header that names the region (a test endpoint does not check the
signature, and reads the region from it). Failures are remembered (``failures``), never raised
into the Genesys API the sandbox answers.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any

SOURCE_PREFIX = "aws.partner/genesys.com/cloud"


class AwsPartner:
    def __init__(self, endpoint: str, org_id: str, timeout: float = 10.0) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.org_id = org_id
        self.timeout = timeout
        self._lock = threading.Lock()
        self.failures: list[str] = []

    def source_name(self, properties: dict[str, Any]) -> str:
        return f"{SOURCE_PREFIX}/{self.org_id}/{properties.get('eventSourceSuffix')}"

    def activated(self, properties: dict[str, Any]) -> None:
        self._call("CreatePartnerEventSource", properties)

    def deleted(self, properties: dict[str, Any]) -> None:
        self._call("DeletePartnerEventSource", properties)

    def _call(self, action: str, properties: dict[str, Any]) -> None:
        account = properties.get("awsAccountId")
        region = properties.get("awsAccountRegion")
        if not account or not region or not properties.get("eventSourceSuffix"):
            return  # an incomplete configuration never activates
        body = json.dumps({"Name": self.source_name(properties), "Account": account}).encode()
        day = time.strftime("%Y%m%d", time.gmtime())
        request = urllib.request.Request(
            self.endpoint + "/",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"AWSEvents.{action}",
                "Authorization": (
                    f"AWS4-HMAC-SHA256 Credential=sandbox/{day}/{region}/events/aws4_request, "
                    "SignedHeaders=host, Signature=0"
                ),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                answer.read()
        except (urllib.error.URLError, OSError) as err:
            with self._lock:
                self.failures.append(f"{action} {self.source_name(properties)}: {err}")
