"""The offline speech engine that turns an announcement's text into a WAV file.

Two engines are known: `espeak-ng` (Debian package `espeak-ng`; every language the screens
use has a voice) and `piper` (a neural engine; each language needs a voice model file the
venue provides). The program is run directly, never through a shell, with the text on its
standard input (so no text can become an option), a time limit and a limit on the audio it
may write. Voice names are checked when the settings are read: an espeak-ng voice is a plain
name, a Piper voice an absolute path to an `.onnx` file, so neither can smuggle an option.
No Flask import.
"""

from __future__ import annotations

import contextlib
import os
import posix
import re
import select
import shutil
import signal
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ENGINES = ("espeak-ng", "piper")
# espeak-ng's own voices for the screens' languages; Vietnamese in the Central voice, closest
# to how Phú Yên speaks. Taiwan's spoken language is Mandarin, so zh-Hant uses it too.
ESPEAK_VOICES: Mapping[str, str] = {
    "vi": "vi-vn-x-central",
    "en": "en-us",
    "ko": "ko",
    "zh-Hans": "cmn",
    "zh-Hant": "cmn",
    "ja": "ja",
    "ru": "ru",
}
_VOICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+-]{0,63}$")
# A WAV of 16-bit mono at 22 kHz grows 44 KB a second: 50 MB is ten minutes of speech.
MAX_AUDIO_BYTES = 50 * 1024 * 1024
_POLL = 0.05


class SpeechSettingError(ValueError):
    """The speech settings cannot be used; the message says which and why."""


class SpeechError(Exception):
    """Speaking failed. `code` is a problem code of `signage.catalog.messages` (speech-...)
    and `params` fill its placeholders; str() is an English sentence for logs."""

    def __init__(self, code: str, message: str, **params: str | int) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class SpeechEngine:
    """An engine, its program, a voice per language and the limits of one run."""

    name: str = "espeak-ng"
    program: str = ""
    voices: Mapping[str, str] = field(default_factory=lambda: dict(ESPEAK_VOICES))
    timeout: float = 60.0
    max_bytes: int = MAX_AUDIO_BYTES

    @classmethod
    def configure(
        cls, name: str, program: str = "", voices: str = "", timeout: float = 60.0
    ) -> SpeechEngine:
        """The engine of the settings `speech_engine`, `speech_program`, `speech_voices`
        (`lang=voice` pairs separated by commas, over the engine's defaults) and
        `speech_timeout`; raises `SpeechSettingError` for a value that cannot be used."""
        if name not in ENGINES:
            raise SpeechSettingError(
                f"speech_engine must be one of {', '.join(ENGINES)}, not {name!r}"
            )
        chosen = dict(ESPEAK_VOICES) if name == "espeak-ng" else {}
        for pair in filter(None, (p.strip() for p in voices.split(","))):
            lang, sep, voice = (s.strip() for s in pair.partition("="))
            if not sep or not lang or not voice:
                raise SpeechSettingError(
                    f"speech_voices: {pair!r} must be written language=voice, such as "
                    "vi=vi-vn-x-central"
                )
            if name == "espeak-ng" and not _VOICE_NAME.match(voice):
                raise SpeechSettingError(
                    f"speech_voices: {voice!r} is not an espeak-ng voice name (letters, digits,"
                    " '-', '_' and '+', not starting with '-'); see espeak-ng --voices"
                )
            if name == "piper" and (
                not PurePosixPath(voice).is_absolute()
                or ".." in PurePosixPath(voice).parts
                or not voice.endswith(".onnx")
            ):
                raise SpeechSettingError(
                    f"speech_voices: {voice!r} must be the absolute path of a Piper voice "
                    "model, such as /srv/voices/vi_VN-vais1000-medium.onnx"
                )
            chosen[lang] = voice
        if program and program.startswith("-"):
            raise SpeechSettingError(f"speech_program: {program!r} is not a program path")
        if not timeout > 0:
            raise SpeechSettingError("speech_timeout must be more than 0 seconds")
        return cls(name, program, chosen, timeout)

    def voice(self, lang: str) -> str | None:
        """The voice of `lang`, or None when the engine has none for it."""
        return self.voices.get(lang)

    def identity(self, lang: str) -> str:
        """What decides the sound of `lang` besides the text: engine and voice (for a model
        file, its size and date too, so a replaced model speaks again)."""
        voice = self.voice(lang) or ""
        detail = ""
        if self.name == "piper":
            try:
                info = Path(voice).stat()
                detail = f"{info.st_size}:{int(info.st_mtime)}"
            except OSError:
                detail = "missing"
        return f"{self.name}|{voice}|{detail}"

    def command(self, lang: str, output: Path) -> list[str]:
        """The argument list that speaks standard input in `lang` into the WAV `output`."""
        voice = self.voice(lang)
        if voice is None:
            example = "vi=vi-vn-x-central" if self.name == "espeak-ng" else f"{lang}=/path.onnx"
            raise SpeechError(
                "speech-no-voice",
                f"{self.name} has no voice for {lang}",
                engine=self.name,
                lang=lang,
                example=example,
            )
        program = self.program or self.name
        found = shutil.which(program)
        if found is None:
            raise SpeechError(
                "speech-no-program",
                f"the speech engine program {program!r} is not installed",
                engine=self.name,
                program=program,
            )
        if self.name == "piper":
            if not Path(voice).is_file():
                raise SpeechError("speech-voice-missing", f"no voice model {voice}", voice=voice)
            return [found, "--model", voice, "--output_file", str(output)]
        return [found, "-v", voice, "-b", "1", "-w", str(output)]

    def speak(self, lang: str, text: str, output: Path) -> None:
        """Write `text` spoken in `lang` to the WAV file `output`; raises `SpeechError`."""
        run_bounded(self.command(lang, output), text, output, self.timeout, self.max_bytes)


def run_bounded(
    command: list[str], text: str, output: Path, timeout: float, max_bytes: int
) -> None:
    """Run `command` (an absolute program path and its arguments; no shell) with `text` on
    standard input until it exits; stop it when it runs longer than `timeout` seconds or
    `output` grows beyond `max_bytes`. Raises `SpeechError` unless it exits 0 (or its status
    was collected by someone else) having written `output`.

    The child is started with `posix.posix_spawn` (not `os.`, which gevent replaces) and its
    end is seen as the end of a pipe only it holds, waited for with `_readable`: the server
    runs under gevent, whose `subprocess` can wait for children only on its main loop, and
    hand-edited playlists are read (and spoken) in a worker thread."""
    with tempfile.TemporaryFile() as given, tempfile.TemporaryFile() as errors:
        given.write(text.encode("utf-8") + b"\n")
        given.flush()
        given.seek(0)
        alive, holder = os.pipe()
        try:
            # An argument list, never a shell: nothing in the text or voice is interpreted.
            pid = posix.posix_spawn(
                command[0],
                command,
                dict(os.environ),
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, given.fileno(), 0),
                    (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                    (os.POSIX_SPAWN_DUP2, errors.fileno(), 2),
                    (os.POSIX_SPAWN_DUP2, holder, 3),
                ],
            )
        except OSError as error:
            os.close(alive)
            os.close(holder)
            raise SpeechError(
                "speech-error", f"cannot start {command[0]}", detail=str(error)
            ) from None
        os.close(holder)
        status: int | None = None
        try:
            deadline = time.monotonic() + timeout
            while not _readable(alive, _POLL):
                if time.monotonic() > deadline:
                    raise SpeechError(
                        "speech-timeout", "the speech engine took too long", seconds=int(timeout)
                    )
                if output.exists() and output.stat().st_size > max_bytes:
                    raise SpeechError(
                        "speech-too-large",
                        "the speech engine wrote too much audio",
                        limit=max_bytes // (1024 * 1024),
                    )
            status = _reap(pid, deadline)
            if status is None:  # it closed the pipe but went on running
                raise SpeechError(
                    "speech-timeout", "the speech engine took too long", seconds=int(timeout)
                )
        finally:
            os.close(alive)
            if status is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                _reap(pid, time.monotonic() + 5)
        errors.seek(0)
        detail = errors.read(500).decode("utf-8", "replace").strip()
    assert status is not None
    code = os.waitstatus_to_exitcode(status) if status >= 0 else 0
    if code != 0 or not output.is_file() or output.stat().st_size == 0:
        raise SpeechError(
            "speech-error",
            f"the speech engine failed: {detail}",
            detail=f"exit status {code}: {detail}" if detail else f"exit status {code}",
        )
    if output.stat().st_size > max_bytes:
        raise SpeechError(
            "speech-too-large",
            "the speech engine wrote too much audio",
            limit=max_bytes // (1024 * 1024),
        )


def _readable(fd: int, timeout: float) -> bool:
    """Whether `fd` becomes readable (or closed) within `timeout` seconds.

    `poll`, not `select`: a server holding thousands of screens' sockets has descriptors
    above `select`'s limit of 1024. gevent's monkey-patching removes `poll` and makes `select`
    cooperative (and unlimited, as it watches each descriptor with the event loop), so under
    gevent `select` is the right call and the event loop is never held up."""
    if not hasattr(select, "poll"):
        return bool(select.select([fd], [], [], timeout)[0])
    waiting = select.poll()
    waiting.register(fd, select.POLLIN)
    return bool(waiting.poll(timeout * 1000))


def _reap(pid: int, deadline: float) -> int | None:
    """The wait status of child `pid` once it has ended (-1 when an event loop reaped it
    first and the status is lost); None when it is still running at `deadline`."""
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return -1
        if done:
            return status
        if time.monotonic() > deadline:
            return None
        time.sleep(_POLL / 5)
