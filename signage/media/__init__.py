"""The media library in `media/` of the playlist directory: `sniff` tells what an upload really
is from its bytes, `library` stores, lists and deletes files, `thumbnails` draws the console's
previews. No Flask import."""
