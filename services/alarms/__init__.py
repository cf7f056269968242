"""Alarm management after ISA-18.2 / IEC 62682: limits with deadband and delays, the alarm lifecycle,
shelving, out of service, priorities, escalation and floods. Qt-free."""
