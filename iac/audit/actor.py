"""Who ran iac: the CI identity where the environment names one, else the OS user."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping

# CI systems name who triggered a run; the first one set wins over the OS user.
_CI_ACTORS = (
    ("GITHUB_ACTOR", "github"),
    ("GITLAB_USER_LOGIN", "gitlab"),
    ("BUILD_REQUESTEDFOREMAIL", "azure-devops"),
    ("BUILDKITE_BUILD_CREATOR_EMAIL", "buildkite"),
    ("CIRCLE_USERNAME", "circleci"),
    ("BITBUCKET_STEP_TRIGGERER_UUID", "bitbucket"),
    ("JENKINS_USER_ID", "jenkins"),
)


def detect_actor(env: Mapping[str, str]) -> str:
    for variable, system in _CI_ACTORS:
        if env.get(variable):
            return f"{system}:{env[variable]}"
    try:
        return f"user:{getpass.getuser()}"
    except (KeyError, OSError):
        # Containers often run as a uid with no passwd entry.
        return f"uid:{os.getuid()}"
