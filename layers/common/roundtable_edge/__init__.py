"""The edge: what turns a Lambda event, an HTTP request or a Discord interaction into a call
of the domain (`roundtable`) and its answer back. The domain never imports this package.
"""
