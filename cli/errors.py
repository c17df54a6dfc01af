"""One-line errors and exit codes: 0 success, 1 failure at run time, 2 bad usage or input."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from store import ConfigError, QuerySyntaxError, StoreError
from store.rdf_files import BadInputError

F = TypeVar("F", bound=Callable[..., Any])

BAD_INPUT = (ConfigError, QuerySyntaxError, BadInputError)


def fail(message: str, code: int) -> None:
    click.echo(f"tsr: error: {message}", err=True)
    sys.exit(code)


def one_line_errors(command: F) -> F:
    """Turn the project's errors into one line on stderr and the right exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BAD_INPUT as error:
            fail(str(error), 2)
        except StoreError as error:
            fail(str(error), 1)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError,
                PermissionError) as error:
            # a path the user gave that cannot be read or written, wherever it was opened
            fail(f"{error.filename or 'a file'}: {error.strerror or error}", 2)
        except KeyboardInterrupt:
            fail("interrupted", 1)
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(0)

    return wrapper  # type: ignore[return-value]
