"""Scheduled reports: when each dashboard schedule is due, delivering its export by email,
webhook or a file outbox, and the log of every delivery."""
