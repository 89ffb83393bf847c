"""Talking to Genesys Cloud. Only ``client`` and ``transport`` import the SDK (3.6 s)."""
