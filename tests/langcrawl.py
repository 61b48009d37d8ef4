"""One language per page: crawl what a signed-in user can reach and report strings of the other language.

Used by tests/web/test_language_crawl.py (and handy from a shell while fixing what it finds). The
allowlist is by **source**, not by page:

* customer data — every free-text value the CRM database holds (account, contact, staff, project,
  feeder names, addresses, notes people typed …; :func:`data_strings`) and the text of elements
  marked ``data-from-records`` (an initial cut from a name) — is cut out of the page before it is checked;
* on Chinese pages, units, codes and product names that Chinese users read as they are
  (:data:`ASCII_ALLOWED`: kWh, kVA, ID, API, Excel, PowerKAM …), e-mail addresses, URLs and
  identifiers made of letters and digits (feeder ids, ``A``/``B``/``C`` grades) are allowed;
* on English pages nothing CJK is allowed outside the data.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.apps import apps
from django.db import models
from django.test import Client

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]")
#: Only CJK punctuation: a data value cut out can leave its brackets behind.
CJK_PUNCT = re.compile(r"[\u3000-\u303f\uff01-\uff5e]")
#: A word: letters only; tokens with digits, underscores or dots (ids, hashes, file and column names) are codes.
WORD = re.compile(r"(?<![A-Za-z0-9_.\-])[A-Za-z][A-Za-z'’]*(?![A-Za-z0-9_.\-])")

#: Words a Chinese page may show in Latin letters: units, codes, standards and product names.
ASCII_ALLOWED = {
    w.lower()
    for w in (  # noqa: SIM905 - one string reads better than a list of 60
        "PowerKAM kWh MWh GWh kW MW kVA MVA kV kvarh kvar var Hz km h min ID API REST OpenAPI Excel xlsx csv "
        "ics PDF CSV JSON TOML SQL ECharts PV TOU GB GB/T DL DL/T No CRM SMS IT AI VIP ERP GIS BOM UTF GB18030 "
        "Django admin Parquet DuckDB PySpark iCalendar Outlook Internet CLI SHA YYYY MM DD HH http https www"
    ).split()
}
SKIP_PREFIXES = ("/static/", "/admin/", "/i18n/", "/logout", "/api/", "/login")
SKIP_SUFFIXES = (".xlsx", ".ics", ".pdf", ".csv", ".json", ".svg", ".png")

#: Models whose free text the product writes (messages, problems, alerts): never allowlisted.
SYSTEM_TEXT = {"notification", "prospectnote", "auditevent", "importrun", "importproblem"}


class _Page(HTMLParser):
    """Visible text (text nodes, title/placeholder/aria-label/alt/value of buttons) and links, leaving out
    script, style and elements marked ``data-from-records``."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, language: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.texts: list[str] = []
        self.links: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # open elements: tag, does it hide its text?

    @property
    def _hidden(self) -> bool:
        return any(hides for _, hides in self._stack)

    #: Elements a start tag closes when HTML leaves their end tag out (a new <li> ends the open <li>).
    IMPLIED_END = {
        "li": {"li"}, "p": {"p"}, "option": {"option"}, "tr": {"tr", "td", "th"}, "td": {"td", "th"},
        "th": {"td", "th"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"},
    }  # fmt: skip

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        while self._stack and self._stack[-1][0] in self.IMPLIED_END.get(tag, ()):
            self._stack.pop()
        a = dict(attrs)
        # an element that declares another language (the language switch's "中文" / "EN") is not a mix-up
        other_language = bool(a.get("lang")) and not str(a["lang"]).lower().startswith(self.language[:2])
        hides = (
            tag in ("script", "style", "template", "code", "pre", "kbd", "samp", "textarea")
            or "data-from-records" in a
            or (tag != "html" and other_language)
        )
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if not self._hidden and not hides:
            for name in ("title", "placeholder", "aria-label", "alt"):
                if a.get(name):
                    self.texts.append(str(a[name]).strip())
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.texts.append(str(a["value"]))
        if tag not in self.VOID:
            self._stack.append((tag, hides))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        # close up to the matching element: an end tag HTML lets you leave out (</p>, </li>) is implied
        if any(open_tag == tag for open_tag, _ in self._stack):
            while self._stack and self._stack.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def parse(html: str, language: str = "") -> tuple[list[str], list[str]]:
    page = _Page(language)
    page.feed(html)
    return page.texts, page.links


def data_strings() -> list[str]:
    """Every free-text value (no choices) of the CRM's business models, longest first."""
    values: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("powerkam.") or model._meta.model_name in SYSTEM_TEXT:
            continue
        fields = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, (models.CharField, models.TextField)) and not f.choices and f.concrete
        ]
        if not fields:
            continue
        for row in model.objects.values_list(*fields):
            for value in row:
                if value and len(str(value).strip()) >= 2:
                    values.add(str(value).strip())
                    values.update(part.strip() for part in re.split(r"[\n;；]", str(value)) if len(part.strip()) >= 2)
    from django.contrib.auth.models import User

    values.update(u for u in User.objects.values_list("username", flat=True) if len(u) >= 2)
    return sorted(values, key=len, reverse=True)


def foreign_strings(texts: Iterable[str], language: str, data: list[str]) -> list[str]:
    """The texts that show words of the other language once data values are cut out."""
    found = []
    for text in texts:
        rest = re.sub(r"[\w.+\-]+@[\w.\-]+|https?://\S+", " ", text)
        for value in data:
            if value in rest:
                rest = rest.replace(value, " ")
        if language == "en":
            if CJK.search(rest) and CJK.sub("", rest) != rest and re.search(r"[\u3400-\u9fff]", rest):
                found.append(text)
        else:
            rest = re.sub(r"/[\w/.\-]*", " ", rest)
            # a list of column names (``date,is_workday,name``): one of them has an underscore
            rest = re.sub(
                r"[A-Za-z_]+(?:\s*[,、]\s*[A-Za-z_]+)+",
                lambda m: " " if "_" in m.group(0) else m.group(0),
                rest,
            )
            words = [w for w in WORD.findall(rest) if w.lower() not in ASCII_ALLOWED]
            # a single capital letter or a code of letters and digits (A, B, C grades; F12 feeders) is an id
            words = [w for w in words if not re.fullmatch(r"[A-Z]{1,2}", w)]
            if words:
                found.append(text)
    return found


def crawl(
    client: Client, start: Iterable[str], *, per_pattern: int = 2, limit: int = 250
) -> tuple[dict[str, str], dict[str, int]]:
    """GET the start pages and the pages they link to (same site, HTML), at most ``per_pattern`` URLs per
    shape (digits and query values ignored) and ``limit`` pages in all. Returns {url: html} and
    {url: status} for every non-200 answer."""
    queue = list(start)
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    pages: dict[str, str] = {}
    errors: dict[str, int] = {}
    while queue and len(pages) + len(errors) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != "testserver":
            continue
        path = parts.path
        url = path + (f"?{parts.query}" if parts.query else "")
        if (
            url in seen
            or not path.startswith("/")
            or path.startswith(SKIP_PREFIXES)
            or path.endswith(SKIP_SUFFIXES)
            or "format=" in parts.query  # an export (xlsx, pdf) of the page
        ):
            continue
        seen.add(url)
        shape = re.sub(r"\d+", "0", path) + "?" + ",".join(sorted(k.split("=")[0] for k in parts.query.split("&") if k))
        shapes[shape] += 1
        if shapes[shape] > per_pattern:
            continue
        response = client.get(url)
        if response.status_code != 200:
            if response.status_code not in (301, 302):
                errors[url] = response.status_code
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[url] = html
        _, links = parse(html)
        queue.extend(
            urljoin(url, link.split("#")[0]) for link in links if not link.startswith(("#", "mailto:", "tel:"))
        )
    return pages, errors
