"""Plan/apply infrastructure-as-code for Genesys Cloud Amazon EventBridge destinations.

The pipeline: ``config`` (YAML -> desired state) -> ``plan`` (pure diff) -> ``apply``
(imperative jobs through ``genesys``), with ``state``, ``audit`` beside it and the
``sandbox`` (a loopback stand-in for the Genesys Cloud API) apart.
"""

__version__ = "0.1.0"
