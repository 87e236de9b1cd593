"""The peer app that works without a signal (a progressive web app over the same server)."""
