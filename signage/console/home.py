"""The console's front page and its language switch."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session
from flask.typing import ResponseReturnValue

from .auth import login_required, safe_next
from .language import LANGUAGES

bp = Blueprint("console_home", __name__, url_prefix="/console")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """Links to each area of the console, with what each one is for."""
    return render_template("console/home.html")


@bp.post("/language")
def language() -> ResponseReturnValue:
    """Remember the chosen language in the session and go back to the page (`next`)."""
    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(safe_next(request.form.get("next")), 303)
