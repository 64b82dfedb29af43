"""The node's side of sync (B3, B6): enrolment, pushing the outbox, pulling central's changes.

Stages, each leaving the node consistent if the link dies between them: handshake (central's
time, so signatures and the measured offset are right), state (central's high-water mark: the
node resumes from there, not from its own belief), push (batches, each acknowledged by a receipt
before its operations are marked sent), pull (changes since the cursor, checked per scope, or a
full snapshot).
"""
