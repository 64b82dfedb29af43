"""The staff side of central: staff accounts and sessions, and the read models of the desk and the
admin console (queues, dashboards, patron records). Every change still goes through a service."""
