"""Renderings of plans and outcomes for people (text), pull requests (Markdown) and machines."""
