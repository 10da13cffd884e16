"""Every user-facing string is translatable, and the catalogues keep up (docs/i18n.md).

1. No template under templates/ has user-facing text outside {% translate %} /
   {% blocktranslate %}: the words left once comments, translate tags and blocks,
   variables, tags, scripts, styles and HTML tags are taken away; and no aria-label,
   title, alt or placeholder holds words of its own.
2. The committed catalogues (locale/*/LC_MESSAGES/django.po) hold exactly the msgids
   makemessages finds in the code now (run on a copy of the project, so the working tree is
   untouched), and every msgid of the public journey, the signer's emails and the wet-ink
   form has a Spanish and a Traditional Chinese translation that is neither empty nor fuzzy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
LOCALE = ROOT / "locale"
#: The languages the public journey, the emails and the wet-ink form must be complete in.
COMPLETE_LANGUAGES = ("es", "zh_Hant")
#: Where a msgid belongs to the public journey, the signer's emails or the wet-ink form (.po locations).
PUBLIC_SOURCES = (
    "templates/base.html",
    "templates/_language_switcher.html",
    "templates/404.html",
    "templates/500.html",
    "templates/503.html",
    "templates/petitions/",
    "templates/email/confirm_signature.txt",
    "templates/email/petition_form.txt",
    "petitions/forms.py",
    "petitions/views/public.py",
    "petitions/services/signing.py",
    "petitions/services/wet_ink.py",
    "petitions/documents/layout.py",
    "petitions/documents/wet_ink_form.py",
    "petitions/pace.py",  # the chart's milestones, on the petition page
)
#: What makemessages leaves out (as `make messages` and docs/i18n.md run it).
MAKEMESSAGES_IGNORE = (".venv", "node_modules", "bench", "tests", "var", "static", "docs", "tools")
#: Words a template may show untranslated: names and abbreviations that read the same in every language.
ALLOWED_WORDS = frozenset({"Calexit", "PDF", "CSV", "XLSX", "JSON", "QR", "Tab", "Jr", "Sr"})
TRANSLATED_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")

# --- 1. Templates --------------------------------------------------------------------------------

_REMOVED = [
    re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"{#.*?#}", re.S),
    re.compile(r"{%\s*(?:blocktranslate|blocktrans)\b.*?{%\s*(?:endblocktranslate|endblocktrans)\s*%}", re.S),
    re.compile(r"{%\s*(?:translate|trans)\s.*?%}", re.S),
    re.compile(r"(<script\b[^>]*>).*?(?=</script>)", re.S | re.I),
    re.compile(r"(<style\b[^>]*>).*?(?=</style>)", re.S | re.I),
    re.compile(r"{{.*?}}", re.S),
    re.compile(r"{%.*?%}", re.S),
    re.compile(r"<!--.*?-->", re.S),
]
_ATTRIBUTE = re.compile(r"\s(" + "|".join(TRANSLATED_ATTRIBUTES) + r""")\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_TAG = re.compile(r"<[^>]*>", re.S)
_ENTITY = re.compile(r"&#?\w+;")
_WORD = re.compile(r"[^\W\d_]{2,}")


def _blank(match: re.Match) -> str:
    """The match replaced by its newlines only (so that line numbers stay), keeping an opening
    <script>/<style> tag the pattern captured."""
    kept = match.group(1) if match.re.groups and match.group(1) else ""
    return kept + "\n" * match.group(0)[len(kept) :].count("\n")


def _words(text: str) -> list[str]:
    return [word for word in _WORD.findall(_ENTITY.sub(" ", text)) if word not in ALLOWED_WORDS]


def untranslated(source: str) -> list[tuple[int, str]]:
    """(line, text) of each piece of user-facing text in template `source` outside translate tags."""
    for pattern in _REMOVED:
        source = pattern.sub(_blank, source)
    found = []
    for match in _ATTRIBUTE.finditer(source):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        if _words(value):
            found.append((source.count("\n", 0, match.start()) + 1, f'{match.group(1)}="{value.strip()}"'))
    text = _TAG.sub(lambda tag: "\n" * tag.group(0).count("\n"), source)
    for number, line in enumerate(text.split("\n"), start=1):
        if _words(line):
            found.append((number, line.strip()))
    return sorted(found)


def _templates() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*") if path.suffix in {".html", ".txt"})


@pytest.mark.parametrize("template", _templates(), ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_no_template_has_untranslated_text(template):
    offenders = untranslated(template.read_text(encoding="utf-8"))
    where = template.relative_to(ROOT)
    assert not offenders, "text outside {% translate %}/{% blocktranslate %}:\n" + "\n".join(
        f"{where}:{line}: {text}" for line, text in offenders
    )


def test_the_template_check_finds_untranslated_text():
    source = (
        "{% load i18n %}{# a comment #}\n"
        "<h1>{% translate 'Fine' %}</h1>\n"
        "<p>Not translated</p>\n"
        "{% comment %}Nor is this checked{% endcomment %}\n"
        '<a href="/" aria-label="Untranslated label" title="{% translate "Fine" %}">{{ petition.title }}</a>\n'
        "{% blocktranslate trimmed %}\n  Fine {{ name }}\n{% endblocktranslate %}\n"
        "<script>var notText = 'words in a script';</script>\n"
        "<img alt='Some picture'> Calexit © 2026 · 546,651 — PDF\n"
        "{% if x %}Sign here{% endif %}\n"
    )
    assert untranslated(source) == [
        (3, "Not translated"),
        (5, 'aria-label="Untranslated label"'),
        (10, 'alt="Some picture"'),
        (11, "Sign here"),
    ]


# --- 2. Catalogues -------------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str
    context: str = ""
    plural: str = ""
    strings: list[str] = field(default_factory=list)
    fuzzy: bool = False
    sources: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.context, self.msgid)


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    return re.sub(r"\\(.)", lambda match: escapes.get(match.group(1), match.group(1)), text.strip()[1:-1])


def catalogue(path: Path) -> dict[tuple[str, str], Entry]:
    """The entries of a .po file by (msgctxt, msgid), the header and obsolete entries left out."""
    entries: dict[tuple[str, str], Entry] = {}
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        fields: dict[str, str] = {}
        flags: list[str] = []
        sources: list[str] = []
        current = None
        for line in block.strip().splitlines():
            if line.startswith("#:"):
                sources += line[2:].split()
            elif line.startswith("#,"):
                flags += [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and current:
                fields[current] += _unquote(line)
            else:
                current, _, rest = line.partition(" ")
                fields[current] = _unquote(rest)
        if not fields.get("msgid"):
            continue
        strings = [value for name, value in sorted(fields.items()) if name.startswith("msgstr")]
        entry = Entry(
            msgid=fields["msgid"],
            context=fields.get("msgctxt", ""),
            plural=fields.get("msgid_plural", ""),
            strings=strings,
            fuzzy="fuzzy" in flags,
            sources=[source.split(":")[0] for source in sources],
        )
        entries[entry.key] = entry
    return entries


def _po(language: str, root: Path = ROOT) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / "django.po"


def is_public(entry: Entry) -> bool:
    return any(source.startswith(PUBLIC_SOURCES) for source in entry.sources)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, dict[tuple[str, str], Entry]]:
    """The catalogues as makemessages would write them from the code now, on a copy of the project."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is not installed (apt-get install gettext): the catalogues cannot be checked")
    copy = tmp_path_factory.mktemp("makemessages")
    for name in ("calexit", "petitions", "templates", "locale"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    command = [sys.executable, "manage.py", "makemessages", "--add-location=file", "--no-obsolete", "-v", "0"]
    command += [f"-l{language}" for language in COMPLETE_LANGUAGES]
    command += [f"--ignore={name}" for name in MAKEMESSAGES_IGNORE]
    environment = {**os.environ, "DEBUG": "1"}
    subprocess.run(command, cwd=copy, env=environment, check=True, capture_output=True, timeout=300)
    return {language: catalogue(_po(language, copy)) for language in COMPLETE_LANGUAGES}


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_the_committed_catalogue_holds_every_msgid_of_the_code(extracted, language):
    committed = catalogue(_po(language))
    missing = sorted(set(extracted[language]) - set(committed))
    stale = sorted(set(committed) - set(extracted[language]))
    assert not missing and not stale, (
        f"locale/{language}/LC_MESSAGES/django.po is out of date: run makemessages (docs/i18n.md).\n"
        f"Missing: {[msgid for _, msgid in missing]}\nNo longer in the code: {[msgid for _, msgid in stale]}"
    )


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_the_public_journey_emails_and_form_are_translated(extracted, language):
    committed = catalogue(_po(language))
    public = [entry for entry in extracted[language].values() if is_public(entry)]
    assert len(public) > 100  # the journey, the emails and the form: the check sees them
    untranslated_ = [
        entry.msgid
        for entry in public
        if entry.key not in committed
        or committed[entry.key].fuzzy
        or not all(string.strip() for string in committed[entry.key].strings)
    ]
    assert not untranslated_, f"locale/{language}: no translation (or a fuzzy one) for:\n" + "\n".join(untranslated_)


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_the_catalogue_compiles_with_matching_placeholders(language):
    if shutil.which("msgfmt") is None:
        pytest.fail("GNU gettext is not installed (apt-get install gettext)")
    result = subprocess.run(
        ["msgfmt", "--check", "-o", os.devnull, str(_po(language))], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
