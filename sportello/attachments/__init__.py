"""Files applicants send (photos, PDFs, voice notes): what is accepted, and where it is kept for staff."""
