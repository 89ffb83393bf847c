"""Talking to Genesys Cloud. The SDK is reached only through ``sdk``, which loads it lazily."""
