"""Notices to patrons (R10): the ledger that records each one once, the Japanese texts, and the transports.

A notice is written to the ledger (`central.models.Notice`) before anything is sent; sending
only ever reads the ledger. That is what makes "never twice" and "a failed send is retried" hold.
"""
