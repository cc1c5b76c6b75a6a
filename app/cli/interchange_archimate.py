"""`export archimate` and `import archimate` (Open Group ArchiMate Model Exchange File Format)."""

from __future__ import annotations
