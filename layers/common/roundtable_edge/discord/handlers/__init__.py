"""Command and button handlers, one module per audience; imported only when used."""
