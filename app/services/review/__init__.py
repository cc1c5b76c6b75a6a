"""The client review loop: share links, comments, sign-offs and stakeholder input."""
