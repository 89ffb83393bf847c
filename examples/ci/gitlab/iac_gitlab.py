"""GitLab glue for .gitlab-ci.yml: the sticky merge request note and finding a reviewed plan.

Standard library only (runs in the job's Python before or without the project's deps).

    python iac_gitlab.py note ENV...          post or update the MR note with out/<env>/plan.md
    python iac_gitlab.py fetch-plan ENV DEST  download the plan the merged MR's pipeline saved

note uses IAC_NOTE_TOKEN (scope api: it writes a note); fetch-plan uses IAC_BOT_TOKEN, which
only reads (scope read_api). Neither touches state: that is in the database, written by iac.
fetch-plan exits 0 when it wrote DEST, 3 when there is no reviewed plan (direct push, expired
artifacts, plan job failed), 1 on API errors.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

MARKER = "<!-- iac-plan -->"
MAX_PLAN_CHARS = 200_000  # GitLab notes hold 1,000,000 characters
NOT_FOUND = 3


def _api(token_var: str, method: str, path: str, body: dict | None = None) -> bytes:
    url = f"{os.environ['CI_API_V4_URL']}/projects/{os.environ['CI_PROJECT_ID']}{path}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    # A project access token from a masked CI/CD variable; never printed, never on argv.
    request.add_header("PRIVATE-TOKEN", os.environ[token_var])
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def _json(token_var: str, path: str) -> object:
    return json.loads(_api(token_var, "GET", path))


def note_body(environments: list[str], out: Path, pipeline_url: str, sha: str) -> str:
    parts = [MARKER, f"## iac plan for {sha[:8]}", ""]
    for env in environments:
        code_file = out / env / "exitcode"
        code = code_file.read_text().strip() if code_file.exists() else ""
        status = {"0": "no changes", "2": "changes"}.get(code, f"**failed** (exit {code or '?'})")
        plan_file = out / env / "plan.md"
        plan = plan_file.read_text() if plan_file.exists() else "_no plan: see the job log_"
        if len(plan) > MAX_PLAN_CHARS:
            plan = truncate(plan, MAX_PLAN_CHARS, pipeline_url)
        open_attr = "" if code == "0" else " open"
        parts += [
            f"<details{open_attr}><summary><b>{env}</b>: {status}</summary>",
            "",
            plan,
            "</details>",
            "",
        ]
    parts.append(
        f"Plans saved by {pipeline_url}; merging applies exactly them (re-planned if the org "
        "or the state changed meanwhile)."
    )
    return "\n".join(parts)


def truncate(plan: str, limit: int, pipeline_url: str) -> str:
    """The plan cut at the last line boundary before ``limit`` (never mid-table-row), with
    any ``<details>`` it leaves open closed, and a note saying where the rest is."""
    cut = plan.rfind("\n", 0, limit + 1)
    kept = plan[: cut if cut > 0 else limit]
    unclosed = kept.count("<details") - kept.count("</details>")
    kept += "\n</details>" * max(0, unclosed)
    return kept + f"\n\n_… truncated at a line boundary: the full plan is in {pipeline_url}._"


def note(environments: list[str]) -> int:
    iid = os.environ["CI_MERGE_REQUEST_IID"]
    body = note_body(
        environments, Path("out"), os.environ["CI_PIPELINE_URL"], os.environ["CI_COMMIT_SHA"]
    )
    notes_path = f"/merge_requests/{iid}/notes"
    mine = None
    page = 1
    while mine is None:
        batch = _json("IAC_NOTE_TOKEN", f"{notes_path}?per_page=100&page={page}")
        if not batch:
            break
        mine = next((n for n in batch if MARKER in n.get("body", "")), None)
        page += 1
    if mine is None:
        _api("IAC_NOTE_TOKEN", "POST", notes_path, {"body": body})
    else:
        _api("IAC_NOTE_TOKEN", "PUT", f"{notes_path}/{mine['id']}", {"body": body})
    return 0


def fetch_plan(environment: str, dest: Path) -> int:
    token = "IAC_BOT_TOKEN"
    sha = os.environ["CI_COMMIT_SHA"]
    merged = [
        mr
        for mr in _json(token, f"/repository/commits/{sha}/merge_requests")
        if mr.get("state") == "merged"
    ]
    if not merged:
        print(f"no merged MR for {sha}", file=sys.stderr)
        return NOT_FOUND
    iid = merged[0]["iid"]
    pipelines = _json(token, f"/merge_requests/{iid}/pipelines")  # newest first
    if not pipelines:
        print(f"MR !{iid} has no pipeline", file=sys.stderr)
        return NOT_FOUND
    pipeline = pipelines[0]["id"]
    jobs = _json(token, f"/pipelines/{pipeline}/jobs?per_page=100")
    job = next((j for j in jobs if j["name"] == f"plan: [{environment}]"), None)
    if job is None:
        print(f"pipeline {pipeline} has no job 'plan: [{environment}]'", file=sys.stderr)
        return NOT_FOUND
    artifact = urllib.parse.quote(f"out/{environment}/plan.iac")
    try:
        data = _api(token, "GET", f"/jobs/{job['id']}/artifacts/{artifact}")
    except urllib.error.HTTPError as err:
        if err.code == 404:  # expired, or the plan failed and wrote no file
            print(f"job {job['id']} has no plan artifact", file=sys.stderr)
            return NOT_FOUND
        raise
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    print(f"reviewed plan: MR !{iid}, pipeline {pipeline}, job {job['id']}")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "note":
        return note(argv[1:])
    if len(argv) == 3 and argv[0] == "fetch-plan":
        return fetch_plan(argv[1], Path(argv[2]))
    print(__doc__, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
