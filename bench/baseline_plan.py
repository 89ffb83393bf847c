"""The floor a steady-state plan is measured against: raw httpx, no SDK, no checks.

Logs in, reads every listing page with the configuration inline, and compares each
destination of the YAML with its integration, as `iac plan` does; prints "No changes." or the
keys that differ. Run by bench/performance.py with the GENESYSCLOUD_* variables set.

    python bench/baseline_plan.py CONFIG_DIR
"""

import os
import sys
from pathlib import Path

import httpx
import yaml

PROPS = {"aws_account_id": "awsAccountId", "aws_region": "awsAccountRegion",
         "event_source_suffix": "eventSourceSuffix", "topic_filters": "eventFilter"}

url = os.environ["GENESYSCLOUD_API_REGION"]
with httpx.Client(base_url=url) as http:
    env = os.environ
    auth = (env["GENESYSCLOUD_OAUTHCLIENT_ID"], env["GENESYSCLOUD_OAUTHCLIENT_SECRET"])
    token = http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=auth)
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    live, page = {}, 1
    while True:
        params = {"pageSize": 100, "pageNumber": page, "expand": "config.current",
                  "integrationType": "amazon-eventbridge-source"}
        body = http.get("/api/v2/integrations", params=params).json()
        for entity in body["entities"]:
            live[entity["config"]["current"]["properties"]["eventSourceSuffix"]] = entity
        if page >= body["pageCount"]:
            break
        page += 1
desired = {}
for path in sorted(Path(sys.argv[1]).glob("*.yaml")):
    with path.open() as config:
        desired.update(yaml.safe_load(config)["destinations"])
differ = []
for key, want in desired.items():
    have = live.get(want["event_source_suffix"])
    config = have["config"]["current"] if have else None
    if config is None or config["name"] != want["name"] or any(
        sorted(config["properties"][p]) != sorted(want[a]) if a == "topic_filters"
        else config["properties"][p] != want[a] for a, p in PROPS.items()
    ):
        differ.append(key)
print("No changes." if not differ else f"{len(differ)} to change: {', '.join(differ[:5])}")
