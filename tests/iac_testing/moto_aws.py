"""A real AWS-compatible endpoint for the partner event bus tests: moto in server mode on a
free loopback port, driven over HTTP by boto3 (never moto's in-process decorators).

moto's default account is 123456789012: dummy credentials are that account.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
from moto.server import ThreadedMotoServer

MOTO_ACCOUNT = "123456789012"
REGION = "us-east-1"
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


@dataclass
class Moto:
    url: str

    def env(self, endpoint: str | None = None) -> dict[str, str]:
        """What a process talking to it needs: dummy credentials and the endpoint."""
        return {**DUMMY_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint or self.url}

    def events(self, region: str = REGION) -> Any:
        return boto3.client(
            "events",
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def buses(self, region: str = REGION) -> list[str]:
        return [b["Name"] for b in self.events(region).list_event_buses()["EventBuses"]]

    def source_state(self, name: str, region: str = REGION) -> str | None:
        try:
            return str(self.events(region).describe_event_source(Name=name)["State"])
        except Exception:  # moto: a 500 for a missing source; AWS: ResourceNotFoundException
            return None

    def reset(self) -> None:
        httpx.post(f"{self.url}/moto-api/reset").raise_for_status()


def moto_server() -> Iterator[Moto]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield Moto(f"http://{host}:{port}")
    finally:
        server.stop()
