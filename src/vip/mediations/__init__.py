"""Conflict mediations: the parties (participants or light outside parties), topics, outcome, follow-ups."""
