"""Milestone incentives: budgets per fiscal year, proposals, approvals, payments and reversals."""
