"""Printed documents: one PDF layout (pdf.py), the addresses documents go to, and the view that serves them."""
