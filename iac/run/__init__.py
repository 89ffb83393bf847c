"""Operations, like Terraform's local backend: each runs in a ``RunContext`` (lock, target,
state, metrics, audit) and returns an outcome object; none of them prints.

- ``planning``: plan and drift;  ``applying``: apply and destroy (``saved_plan_check`` for
  ``apply FILE``);  ``refresh``: apply --refresh-only;  ``adopt``: import and export.
- ``moving``: state push / pull between the local files and a backend;  ``workspaces``:
  workspace list.
- ``inputs``: what a run works from;  ``planfile``: the saved plan file;  ``target``: which
  org (or the sandbox);  ``records``: the audit records a run writes.
"""
