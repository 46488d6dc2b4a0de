"""The wording of every problem the playlist checks report, by code, in English.

Each template is a message id of the translation catalogs (`signage/translations`), so the
console shows it in the operator's language and the command line in English. Parameters are
named (`%(where)s`); a parameter that is itself translated is a `problem.Term` of a code below.
A code is stable: change a wording here and the catalogs are updated with it (pybabel), never
silently left behind, because tests require each code to have a translation.

This module is pure (no Flask): `_` only marks the templates for extraction by pybabel.
"""

from __future__ import annotations


def _(message: str) -> str:
    """Mark `message` for extraction; the translation happens where the problem is shown."""
    return message


def english(message: str) -> str:
    """The identity translation: templates are written in English."""
    return message


MESSAGES: dict[str, str] = {
    # -- values as the checks describe them ------------------------------------------------
    "value.nothing": _("nothing"),
    "value.block": _("a block of keys"),
    "value.list": _("a list"),
    "value.empty": _("an empty value"),
    "value.bool": _("the yes/no value '%(value)s'"),
    "value.number": _("the number %(value)s"),
    "value.date": _("the date %(value)s"),
    "value.text": _("the text '%(value)s'"),
    "did-you-mean": _(" (did you mean '%(word)s'?)"),
    "none": _("(none)"),
    # -- parts of a file, named in problems ------------------------------------------------
    "part.in-language": _("%(part)s in %(lang)s"),
    "part.text-item": _("a text item"),
    "part.image-item": _("an image item"),
    "part.video-item": _("a video item"),
    "part.qr-item": _("a qr item"),
    "part.html-item": _("an html item"),
    "part.clock-item": _("a clock item"),
    "part.ticker-item": _("a ticker item"),
    "part.sound-item": _("a sound item"),
    "part.key": _("'%(key)s'"),
    "part.group": _("group '%(group)s'"),
    "part.playlist": _("a playlist"),
    "part.item": _("an item"),
    "part.include": _("an include"),
    "part.playlist-name": _("the playlist name"),
    "part.items": _("'items'"),
    "part.duration": _("duration (seconds)"),
    "part.priority": _("priority"),
    "part.title": _("the title"),
    "part.body": _("the body"),
    "part.image-file": _("the image file"),
    "part.video-file": _("the video file"),
    "part.image-caption": _("the image caption"),
    "part.clock-caption": _("the clock caption"),
    "part.qr-title": _("the qr title"),
    "part.qr-caption": _("the qr caption"),
    "part.url": _("the url"),
    "part.short": _("the short address"),
    "part.campaign": _("the campaign"),
    "part.included-playlist": _("the included playlist"),
    "part.sound-text": _("the spoken text"),
    "part.sound-file": _("the sound file"),
    "part.every": _("'every' (minutes)"),
    "part.schedule": _("the schedule"),
    "part.from": _("'from'"),
    "part.until": _("'until'"),
    "part.weekdays": _("'weekdays'"),
    "part.times": _("'times'"),
    "part.screens-file": _("screens.yaml"),
    "part.venue": _("'venue'"),
    "part.venue-name": _("the venue name"),
    "part.timezone": _("the time zone"),
    "part.group-id": _("the group id"),
    "part.group-name": _("the group name"),
    "part.playlist-ref": _("the playlist"),
    "part.screen": _("a screen"),
    "part.screen-id": _("the screen id"),
    "part.screen-name": _("the screen name"),
    "part.location": _("the location"),
    "part.orientation": _("orientation"),
    "part.sound": _("'sound' (speakers)"),
    "part.the-group": _("the group"),
    "part.screens": _("'screens'"),
    "part.groups": _("'groups'"),
    "part.languages": _("'languages'"),
    # -- the shape of values -----------------------------------------------------------------
    "not-block": _(
        "%(where)s must be a block of 'key: value' lines (keys: %(keys)s), not %(what)s"
    ),
    "unknown-key": _("unknown key '%(key)s' in %(where)s; expected one of: %(keys)s%(suggest)s"),
    "missing-key": _("%(where)s has no '%(key)s'"),
    "missing.items": _(
        "%(where)s has no 'items'; list what the screens show, such as '- text:' blocks"
    ),
    "missing.duration": _(
        "%(where)s has no 'duration'; say how many seconds it stays on screen, such as "
        "'duration: 10'"
    ),
    "missing.title": _("%(where)s has no 'title'; add a short title"),
    "missing.groups-top": _(
        "%(where)s has no 'groups'; declare the screen groups, each with a 'name' and a 'playlist'"
    ),
    "missing.screens-top": _(
        "%(where)s has no 'screens'; list the screens, each with 'id', 'name', 'groups' and "
        "'languages'"
    ),
    "missing.group-name": _("%(where)s has no 'name'; give the group a name people recognise"),
    "missing.group-playlist": _(
        "%(where)s has no 'playlist'; say which playlist its screens show (a file name "
        "without .yaml)"
    ),
    "missing.screen-id": _(
        "%(where)s has no 'id'; give it an id such as 'tuy-hoa-airport-1': its page is /screen/<id>"
    ),
    "missing.screen-name": _("%(where)s has no 'name'; give it a name people recognise"),
    "missing.screen-groups": _(
        "%(where)s has no 'groups'; list its groups, such as [airport]; the first one's "
        "playlist is shown"
    ),
    "missing.screen-languages": _(
        "%(where)s has no 'languages'; list its languages in the order shown, such as [vi, en]"
    ),
    "not-text": _("%(where)s must be text, not %(what)s"),
    "not-text-quote": _("%(where)s must be text, not %(what)s; put it in quotes to use it as text"),
    "empty-text": _("%(where)s is empty; write the text or remove the key"),
    "not-one-line": _("%(where)s must be a single line"),
    "not-nfc": _(
        "%(where)s is not in Unicode NFC: '%(word)s' is stored as letters followed by separate "
        "accent marks, which screens may draw badly; retype it with a Unicode (dựng sẵn) "
        "keyboard or save the file as NFC"
    ),
    "not-number": _("%(where)s must be a number, such as %(example)s, not %(what)s"),
    "out-of-range": _("%(where)s must be from %(low)s to %(high)s, not %(value)s"),
    "not-whole-number": _(
        "%(where)s must be a whole number from %(low)s to %(high)s, not %(what)s"
    ),
    "not-identifier": _("%(where)s must be a name such as 'tuy-hoa-airport', not %(what)s"),
    "bad-identifier": _(
        "%(where)s '%(value)s' may use only lowercase letters a-z, digits and '-' (at most 64), "
        "such as 'tuy-hoa-airport', because it appears in web addresses"
    ),
    "not-list": _("%(where)s must be a list such as %(example)s, not %(what)s"),
    "empty-list": _("%(where)s is an empty list; give at least one, such as %(example)s"),
    "unknown-language": _(
        "unknown language code %(given)s in %(where)s; expected one of: %(known)s"
    ),
    "unknown-language-case": _(
        "unknown language code %(given)s in %(where)s (write it '%(known_as)s'); expected one "
        "of: %(known)s"
    ),
    "unknown-language-chinese": _(
        "unknown language code %(given)s in %(where)s (say which script: 'zh-Hans' for "
        "simplified, 'zh-Hant' for traditional); expected one of: %(known)s"
    ),
    "quoted": _("'%(value)s'"),
    "not-languages": _(
        "%(where)s must be a block with one entry per language (vi:, en:, ...), not %(what)s"
    ),
    "no-vietnamese": _(
        "%(where)s has no Vietnamese ('vi:'); every screen shows Vietnamese, so it is required "
        "(other languages are optional)"
    ),
    "not-choice": _("%(where)s must be one of: %(options)s, not %(what)s"),
    "not-flag": _("%(where)s must be true or false, not %(what)s"),
    "listed-twice": _("'%(value)s' is listed twice; list it once"),
    # -- media files ---------------------------------------------------------------------------
    "media-outside": _("%(where)s '%(name)s' must be a path inside media/, such as 'bluezone.svg'"),
    "media-type": _("%(where)s '%(name)s' must be one of these file types: %(types)s"),
    "media-missing": _(
        "media file '%(name)s' does not exist: copy it to the media/ folder next to the "
        "playlists or correct the name (names are case-sensitive)"
    ),
    "media-missing-prefix": _(
        "media file '%(name)s' does not exist: copy it to the media/ folder next to the "
        "playlists or write the path below media/, without 'media/' in front"
    ),
    # -- playlists -----------------------------------------------------------------------------
    "playlist-empty-file": _("the file is empty; a playlist needs 'items'"),
    "item-not-block": _(
        "an item must be a block starting with its kind (%(kinds)s or include), not %(what)s"
    ),
    "item-no-kind": _(
        "this item does not say what to show; give it one of: %(kinds)s (or 'include' to add "
        "another playlist's items)"
    ),
    "item-two-kinds": _(
        "an item shows one thing, but this one has both '%(first)s' and '%(second)s'; make them "
        "two items"
    ),
    "html-issue": _("%(where)s: %(issue)s"),
    "html-issue-at": _("%(where)s (line %(line)s of the HTML): %(issue)s"),
    "qr-url-or-campaign": _(
        "a qr item needs exactly one of 'url' (a fixed address) or 'campaign' (a portal link "
        "counted per screen, such as 'campaign: bluezone')"
    ),
    "not-web-address": _(
        "'%(value)s' is not a web address; write it in full, such as "
        "https://www.bluezone.gov.vn/taiapp"
    ),
    "url-too-long": _(
        "the url is %(length)s characters long; at most %(limit)s fit in a QR code readable "
        "from a distance"
    ),
    "sound-text-or-file": _(
        "a sound item needs exactly one of 'text' (words per language, spoken by the speech "
        "engine) or 'file' (an audio file of the media library)"
    ),
    "sound-when": _(
        "this sound item does not say when to play: give it 'every: 30' (minutes) or a "
        "'schedule' with 'times', such as ['08:00-08:05'] to play it at 08:00"
    ),
    "spoken-too-long": _(
        "%(where)s is %(length)s characters long; at most %(limit)s can be spoken in one "
        "announcement: shorten it or make two sound items"
    ),
    "spoken-control": _(
        "%(where)s contains the invisible control character %(code)s, which cannot be spoken; "
        "retype the text"
    ),
    "speech-no-program": _(
        "%(where)s cannot be spoken: the speech engine %(engine)s is not installed (no program "
        "'%(program)s'); install it, such as the Debian package espeak-ng, or set "
        "speech_program to where it is"
    ),
    "speech-no-voice": _(
        "%(where)s cannot be spoken: the speech engine %(engine)s has no voice for %(lang)s; "
        "name one in the setting speech_voices, such as %(example)s, or remove this language"
    ),
    "speech-voice-missing": _(
        "%(where)s cannot be spoken: the voice model file %(voice)s does not exist or cannot "
        "be read; correct the setting speech_voices"
    ),
    "speech-timeout": _(
        "%(where)s cannot be spoken: the speech engine took more than %(seconds)s seconds and "
        "was stopped; shorten the text or raise speech_timeout"
    ),
    "speech-too-large": _(
        "%(where)s cannot be spoken: the audio grew beyond %(limit)s MB and was stopped"
    ),
    "speech-error": _("%(where)s cannot be spoken: the speech engine failed (%(detail)s)"),
    "speech-no-converter": _(
        "%(where)s cannot be spoken: ffmpeg, which stores the audio in a format browsers play, "
        "is not installed (Debian package ffmpeg)"
    ),
    "no-such-include": _(
        "there is no playlist '%(name)s' to include; known playlists: %(known)s%(suggest)s"
    ),
    "include-loop": _(
        "this include makes a loop (%(path)s); a playlist cannot include itself, directly or "
        "through another"
    ),
    # -- schedules -----------------------------------------------------------------------------
    "until-before-from": _(
        "'until' (%(end)s) is before 'from' (%(start)s), so the item would never show; the "
        "dates are inclusive"
    ),
    "no-weekday-in-range": _(
        "no day from %(start)s to %(end)s falls on these weekdays, so the item would never show"
    ),
    "not-date": _("%(where)s must be a date written YYYY-MM-DD, such as 2026-12-01, not %(what)s"),
    "not-weekday": _("%(what)s is not a weekday; use %(weekdays)s"),
    "window-not-text": _("a time window must be text such as '07:00-11:30', not %(what)s"),
    "window-format": _(
        "'%(value)s': write a time window as HH:MM-HH:MM on the 24-hour clock, such as 07:00-11:30"
    ),
    "window-start": _(
        "'%(value)s': %(time)s is not a time of day; the start must be 00:00 to 23:59"
    ),
    "window-end": _("'%(value)s': %(time)s is not a time of day; the end must be 00:00 to 24:00"),
    "window-empty": _(
        "the time window %(window)s has no length, so the item would never show; for the whole "
        "day, leave out 'times'"
    ),
    "window-overlap": _(
        "the time window %(window)s overlaps %(other)s (line %(line)s); merge them into one window"
    ),
    # -- screens.yaml --------------------------------------------------------------------------
    "screens-empty-file": _("the file is empty; it must declare 'groups' and 'screens'"),
    "unknown-timezone": _(
        "unknown time zone '%(zone)s'; use a name from the IANA time zone database, such as "
        "%(example)s"
    ),
    "groups-not-block": _(
        "'groups' must be a block of groups, each named by its id, such as 'airport:' with "
        "'name' and 'playlist' under it, not %(what)s"
    ),
    "screen-id-taken": _(
        "screen id '%(id)s' is already used on line %(line)s; every screen needs its own id"
    ),
    "group-listed-twice": _("group '%(group)s' is listed twice; list it once"),
    "unknown-group": _("unknown group '%(group)s'; declared groups: %(known)s%(suggest)s"),
    "language-listed-twice": _("language '%(lang)s' is listed twice; list it once"),
    "languages-without-vi": _("'languages' must include vi: every screen shows Vietnamese"),
    "group-without-playlist": _(
        "group '%(group)s' names playlist '%(playlist)s', but there is no file "
        "%(playlist)s.yaml; known playlists: %(known)s%(suggest)s"
    ),
    # -- files ---------------------------------------------------------------------------------
    "no-directory": _("this playlist directory does not exist"),
    "no-screens-file": _("screens.yaml is missing: it declares the groups and screens"),
    "unreadable-file": _("the file cannot be read: %(why)s"),
    "not-utf8": _("the file is not saved as UTF-8; save it as UTF-8"),
    "same-playlist-name": _("%(twin)s has the same playlist name; remove one"),
    "bad-file-name": _(
        "the file name '%(stem)s' is the playlist id: use only lowercase letters a-z, digits "
        "and '-', such as 'tuy-hoa-airport.yaml'"
    ),
    "text-too-long": _(
        "the text is %(size)s characters long; a playlist file may have at most %(limit)s: "
        "split it into several smaller playlists and include them in one main playlist"
    ),
    "conflict-marker": _(
        "this line is a conflict marker from merging two edits; keep the lines you want between "
        "the markers and remove the marker lines"
    ),
    "unwritable": _(
        "the file could not be saved (%(why)s); nothing was changed. The signage service must "
        "be allowed to write in %(folder)s"
    ),
    "screens-not-yaml": _("not valid YAML: %(detail)s"),
    "screens-unsaved": _("cannot be saved: %(why)s"),
    "screens-unchangeable": _("cannot be changed: %(why)s"),
    # -- YAML ----------------------------------------------------------------------------------
    "too-many-bytes": _(
        "the file is %(size)s bytes, more than the %(limit)s a file may have; split it up"
    ),
    "too-many-values": _("the file expands to more than %(limit)s values; split it up"),
    "too-deep": _("blocks are nested more than %(limit)s deep here; write the file flatter"),
    "self-alias": _("an alias (*name) refers to the block that contains it"),
    "second-document": _("a second document starts here; a file holds one, so remove this '---'"),
    "not-yaml": _("this is not valid YAML: %(detail)s"),
    "not-yaml-tabs": _("this is not valid YAML: %(detail)s; indent with spaces, not tabs"),
    "unsupported-tag": _("the tag %(tag)s is not supported here; remove it"),
    "not-real-date": _("'%(value)s' is not a real date: %(why)s"),
    "unreadable-value": _("'%(value)s' cannot be read: %(why)s"),
    "key-not-plain": _("a key must be a plain name, not a list or a block"),
    "merge-key": _("merge keys ('<<') are not supported; write the keys out"),
    "key-twice": _(
        "'%(key)s' is written twice in the same block (first on line %(line)s); keep only one"
    ),
    # -- the form editor (files it cannot show) ------------------------------------------
    "form.not-yaml": _("the file is not valid YAML: %(detail)s"),
    "form.not-block": _("the file is not a block of 'key: value' lines"),
    "form.items-not-list": _("'items' is not a list"),
    "form.item-not-block": _("an item is not a block of 'key: value' lines"),
    "form.item-no-kind": _("item %(number)s does not say what it shows"),
    # -- HTML items (see `markup`) -----------------------------------------------------------
    "html.tag": _("<%(tag)s> is not allowed in html items; allowed tags: %(allowed)s"),
    "html.unopened": _("</%(tag)s> closes a tag that is not open; remove it"),
    "html.comment": _("comments (<!-- -->) are not allowed in html items; remove them"),
    "html.declaration": _("declarations such as <!DOCTYPE> are not allowed in html items"),
    "html.instruction": _("processing instructions (<?...>) are not allowed in html items"),
    "html.cdata": _("CDATA sections are not allowed in html items"),
    "html.handler": _(
        "event handler '%(name)s' on <%(tag)s> is not allowed: screens run no scripts"
    ),
    "html.attribute": _(
        "attribute '%(name)s' on <%(tag)s> is not allowed; allowed attributes: %(allowed)s"
    ),
    "html.class": _("class '%(value)s' on <%(tag)s>: use lowercase names such as 'accent'"),
    "html.lang": _("lang '%(value)s' on <%(tag)s> is not a language code such as 'vi' or 'en'"),
    "html.dir": _("dir '%(value)s' on <%(tag)s>: use ltr, rtl or auto"),
}
