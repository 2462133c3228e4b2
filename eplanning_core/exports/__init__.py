"""Exports people download and print: Excel lists (openpyxl) and PDF minutes and recaps (reportlab)."""
