"""Deliveries of complaints to the agencies responsible: webhook, Open311 forward, e-mail."""
