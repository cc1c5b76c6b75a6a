"""Renderers and file formats (engagement data in and out as files): pure Python, no Flask, no database."""
