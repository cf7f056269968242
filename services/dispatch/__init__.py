"""Dispatch commands to a CAD: a durable outbox and the DEALER link that delivers it."""
