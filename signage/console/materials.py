"""The console's Printed materials page: choose a sheet, see its pages, download its PDF.

`/console/materials` offers the materials, the venues of the `material_venues` setting and
the languages of the campaign file (`campaign_file`); with a choice made it shows a PNG
preview of each page (`/console/materials/preview/<page>.png`) and, to editors and admins, a
form that downloads the PDF (`POST /console/materials/pdf`). Each download is recorded in the
print log (material, venue, languages, copies, when, who) for the campaign funnel. The sheets
are drawn and cached by `signage.results.printshop`; this module only reads the request and
answers.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from portal.web.language import NATIVE_NAMES
from signage import services
from signage.config import ConfigError
from signage.database import database
from signage.results.printlog import MAX_COPIES, PrintLog
from signage.results.printshop import PrintError, PrintShop, Sheet, parse_venues

from .auth import current_operator, login_required, role_required
from .i18n import _

bp = Blueprint("console_materials", __name__, url_prefix="/console/materials")


def init_app(app: Flask) -> None:
    """Check the venue list and open the print shop and its log."""
    settings = services.settings(app)
    try:
        parse_venues(settings.material_venues, settings.venue_id, "")
    except PrintError as exc:
        raise ConfigError(str(exc)) from None
    from signage.web.socket import run_in_thread

    shop = PrintShop(settings.campaign_file, settings.portal_url, offload=run_in_thread)
    services.print_shop.set(app, shop)
    services.print_log.set(app, PrintLog(database(app)))
    app.register_blueprint(bp)


def _venues() -> dict[str, str]:
    """The venues offered, id to name; the default venue is named as in screens.yaml."""
    settings = services.settings()
    catalog = services.hub().programme.catalog
    name = catalog.venue if catalog is not None else ""
    return parse_venues(settings.material_venues, settings.venue_id, name)


def _material_names() -> dict[str, str]:
    return {
        "poster": _("A4 poster"),
        "leaflet": _("A5 leaflet, two sides"),
        "table-card": _("Table card (A5 folded into a tent)"),
        "sticker": _("Vehicle sticker, 100 x 100 mm"),
    }


def _problem(error: PrintError) -> str:
    """What is wrong with a request, in the operator's language."""
    texts = {
        "venue": _("Choose one of the venues in the list."),
        "material": _("Choose one of the materials in the list."),
        "languages": _("Choose one or two different languages the campaign file has texts in."),
    }
    if error.reason in texts:
        return texts[error.reason]
    return _("The campaign file cannot be read: %(problem)s", problem=str(error))


def _chosen(args: MultiDict[str, str]) -> tuple[str, str, list[str]]:
    languages = [code for code in args.getlist("lang")[:3] if code]
    return args.get("material", "")[:40], args.get("venue", "")[:80], languages


def _sheet(args: MultiDict[str, str]) -> Sheet:
    material, venue, languages = _chosen(args)
    return services.print_shop().check(material, venue, languages, _venues())


def _page(status: int, problem: str = "", sheet: Sheet | None = None) -> Response:
    shop = services.print_shop()
    material, venue, languages = _chosen(request.args)
    pages = len(shop.previews(sheet)) if sheet is not None else 0
    try:
        offered = shop.languages()
    except PrintError as error:
        offered, problem = [], problem or _problem(error)
    page = render_template(
        "console/materials.html",
        materials=_material_names(),
        venues=_venues(),
        languages={code: NATIVE_NAMES.get(code, code) for code in offered},
        chosen={"material": material, "venue": venue, "languages": languages},
        sheet=sheet,
        pages=pages,
        problem=problem,
        max_copies=MAX_COPIES,
    )
    return Response(page, status=status, mimetype="text/html")


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """The choice of sheet; with one made, its page previews and the download form."""
    if "material" not in request.args:
        return _page(200)
    try:
        sheet = _sheet(request.args)
    except PrintError as error:
        return _page(400, _problem(error))
    return _page(200, sheet=sheet)


@bp.get("/preview/<int:number>.png")
@login_required
def preview(number: int) -> ResponseReturnValue:
    """Page `number` (from 1) of the chosen sheet as a PNG, drawn once and cached."""
    try:
        sheet = _sheet(request.args)
    except PrintError as error:
        return Response(_problem(error), status=400, mimetype="text/plain")
    pages = services.print_shop().previews(sheet)
    if not 1 <= number <= len(pages):
        abort(404)
    response = Response(pages[number - 1], mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.post("/pdf")
@role_required("editor")
def pdf() -> ResponseReturnValue:
    """The PDF of the chosen sheet, recorded with the number of copies to be printed (editors
    and admins: making materials counts in the funnel, and viewers change nothing)."""
    try:
        sheet = _sheet(request.form)
    except PrintError as error:
        return _page(400, _problem(error))
    try:
        copies = int(request.form.get("copies", "1")[:7])
        services.print_log().record(
            sheet.material,
            sheet.venue.id,
            sheet.languages,
            copies,
            current_operator().name,
        )
    except ValueError:
        problem = _(
            "Write how many copies will be printed: a number from 1 to %(num)d.", num=MAX_COPIES
        )
        return _page(400, problem, sheet)
    response = Response(services.print_shop().pdf(sheet), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{sheet.stem}.pdf"'
    return response
