"""Writers from plain data to files (PDF with reportlab, imported lazily by each writer)."""
