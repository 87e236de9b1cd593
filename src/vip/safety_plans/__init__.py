"""Safety plans: one per participant, versioned, with check-ins."""
