"""The nightly job (issue 5): R5 activation, hold expiry, notices (R10), forgetting returned loans.

`job.run_nightly` runs the steps once under a database lock (`central nightly`);
`scheduler.schedule_nightly` runs it every night with APScheduler (`central scheduler`).
Operator guide: docs/nightly.md.
"""
