"""HTTP routes: thin handlers that parse, authorise, call a service and render."""
