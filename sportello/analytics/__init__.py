"""The office's dashboard: figures from the stored conversations, handoffs and bookings, charts, CSV."""
