"""Changing the playlist directory from the console: comment-keeping YAML edits, drafts and
previews, version history, three-way merges and publishing, and who may change what."""
