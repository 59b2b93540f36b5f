"""Appointments at the Ufficio Immigrazione: calendar, bookings, typed dates, reminders, staff API."""
