"""Sittings, enrolment and eligibility, timed sessions, autosave, proctor events and auto-submit."""
