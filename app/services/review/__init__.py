"""The client review loop: share links, comments, sign-offs and stakeholder input.

- `author`: who writes in a review (a member or a share-link holder);
- `anchors`: what a comment is on, checked to exist in the engagement, and its label;
- `comments`: add, reply, resolve, reopen, threads, the inbox, open counts, mentions;
- `events`: `record_event`, the review events the digest reads;
- `digest`: the per-user notifications digest, its read and mail marks, `send_digests`.
"""
