"""The workspace application: its routes, and the answers to refusals."""

from __future__ import annotations

from fastapi import FastAPI

from store.rdf_files import BadInputError

from ..error_pages import install_error_answers
from .routes import accounts, session, sources, uploads
from .web import CsrfFailed, Forbidden, NotSignedIn, bad_input, csrf_failed, forbidden, not_signed_in


def workspace_app(main: FastAPI) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.main = main
    install_error_answers(app)  # the API's 404s, 422s and store failures, one line each
    app.add_exception_handler(CsrfFailed, csrf_failed)
    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(BadInputError, bad_input)
    for module in (session, uploads, sources, accounts):
        app.router.routes.extend(module.router.routes)
    return app
