"""One-line errors and exit codes: 0 success, 1 failure at run time, 2 bad usage or input."""

from __future__ import annotations

import errno
import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from store import ConfigError, QuerySyntaxError, StoreError
from store.base import QueryRefused, UnwritableAnswer
from store.rdf_files import BadInputError

F = TypeVar("F", bound=Callable[..., Any])

# the user's to mend, as the API's 4xx (api/sparql/execution.py store_failure): a query the
# engine refuses as written, a format that cannot carry the answer
BAD_INPUT = (ConfigError, QuerySyntaxError, QueryRefused, UnwritableAnswer, BadInputError)


def fail(message: str, code: int) -> None:
    click.echo(f"tsr: error: {message}", err=True)
    sys.exit(code)


def _io_failure(error: OSError) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    if error.errno == errno.ENOSPC or "No space left" in text:
        return f"the disk is full ({text}); free some space and run the command again"
    if error.errno == errno.EFBIG or "File too large" in text:
        return f"a file grew past the size this process may write ({text})"
    return f"input/output error: {text}"


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
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(0)
        except OSError as error:
            # the disk filled up or failed while writing (RocksDB reports it this way)
            fail(_io_failure(error), 1)
        except KeyboardInterrupt:
            fail("interrupted", 1)

    return wrapper  # type: ignore[return-value]
