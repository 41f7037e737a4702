"""HTTP layer: one blueprint package per area; views read the request, call a service,
render or redirect."""
