"""The API's routes, one module per resource (contract §4)."""
