"""Text acquisition: the PDF text layer, or OCR of scans and photos."""
