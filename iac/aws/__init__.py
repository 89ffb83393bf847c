"""The customer's AWS account: the partner event bus bound to a destination's event source.

Only ``live`` (plain data, free of boto3) is imported eagerly anywhere; the boto3 client
(``client``) is imported only by runs whose configuration has an ``aws_event_bus`` block.
"""
