"""Mistakes in a mapping file, each said in French and English and named by where it is
(`sheets.DATA.entities.org.columns.Nom`); a file's mistakes are all reported at once."""

from __future__ import annotations

from dataclasses import dataclass

from store.rdf_files import BadInputError


@dataclass(frozen=True)
class Problem:
    where: str  # the path of keys in the YAML file
    fr: str
    en: str

    def text(self, lang: str) -> str:
        text = self.fr if lang == "fr" else self.en
        return f"{self.where}: {text}" if self.where else text


class MappingError(BadInputError):
    """A mapping file that cannot be used (exit code 2), with every mistake found in it."""

    def __init__(self, file: str, problems: list[Problem], lang: str = "fr") -> None:
        self.file = file
        self.problems = problems
        self.lang = lang
        if len(problems) == 1:
            message = f"{file}: {problems[0].text(lang)}"
        else:
            head = (f"{len(problems)} erreurs dans la table de correspondance" if lang == "fr"
                    else f"{len(problems)} mistakes in the mapping file")
            message = f"{file}: {head}:\n" + "\n".join(f"  {p.text(lang)}" for p in problems)
        super().__init__(message)


def quoted(items: object, lang: str = "fr") -> str:
    """`« a », « b »` (French) or `'a', 'b'` (English) for a list shown in a message."""
    values = [str(i) for i in items]  # type: ignore[attr-defined]
    if lang == "fr":
        return ", ".join(f"« {v} »" for v in values)
    return ", ".join(repr(v) for v in values)
