"""Strings for a JSON Schema: formats, patterns, lengths, and realistic text by name.

Order of precedence: ``pattern`` (a matching string from ``patterns``), then ``format``
(RFC 3339 date-time/date/time, ISO 8601 duration, email, uuid, uri, hostname, ipv4,
ipv6), then the property name (``email`` → an email, ``city`` → a city, ``title`` → a
short phrase ...), else two or three common words. Lengths: plain text is padded with
words or cut to fit ``minLength``/``maxLength``; formatted or patterned values are not
cut (that would break them) but retried.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from datetime import timezone
from typing import Any

from fakeopenai.generate import names
from fakeopenai.generate.patterns import matching_string

Maker = Callable[[Any], str]


def _uuid(fake: Any) -> str:
    return str(uuid.UUID(int=fake.random.getrandbits(128), version=4))


def _datetime(fake: Any) -> str:
    return str(
        fake.date_time_between("-3y", "+1y", tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def _duration(fake: Any) -> str:
    return (
        f"P{fake.random.randint(0, 9)}DT{fake.random.randint(1, 23)}H{fake.random.randint(0, 59)}M"
    )


FORMATS: dict[str, Maker | str] = {
    "date-time": _datetime,
    "date": lambda f: str(f.date_between("-3y", "+1y").isoformat()),
    "time": lambda f: f"{f.time()}Z",
    "duration": _duration,
    "email": "email",
    "idn-email": "email",
    "uuid": _uuid,
    "uri": "url",
    "iri": "url",
    "uri-reference": "url",
    "url": "url",
    "hostname": "domain_name",
    "idn-hostname": "domain_name",
    "ipv4": "ipv4",
    "ipv6": "ipv6",
}


def _phrase(fake: Any, low: int, high: int) -> str:
    return str(fake.sentence(nb_words=fake.random.randint(low, high))).rstrip(".")


# First match wins: specific names before the generic ones they contain.
# A value is a Faker method name or a maker.
_BY_NAME: list[tuple[tuple[str, ...], Maker | str]] = [
    (("email", "mail"), "email"),
    (("first_name", "given_name", "firstname", "forename"), "first_name"),
    (("last_name", "surname", "family_name", "lastname"), "last_name"),
    (("username", "user_name", "login", "handle", "nickname"), "user_name"),
    (("company", "organization", "organisation", "employer", "business"), "company"),
    (("city", "town"), "city"),
    (("country",), "country"),
    (("state", "province", "region"), "state"),
    (("zip", "zipcode", "postcode", "postal", "postal_code"), "postcode"),
    (("street",), "street_address"),
    (("ip", "ip_address", "ipv4"), "ipv4"),
    (("address", "location"), lambda f: str(f.address()).replace("\n", ", ")),
    (("phone", "mobile", "telephone", "tel", "fax"), "phone_number"),
    (("url", "uri", "website", "link", "homepage", "href"), "url"),
    (("domain", "host", "hostname"), "domain_name"),
    (("path", "filepath", "file_path"), "file_path"),
    (("filename", "file_name", "file"), "file_name"),
    (("color", "colour"), "color_name"),
    (("currency",), "currency_code"),
    (("language", "lang"), "language_name"),
    (("job", "occupation", "profession"), "job"),
    (("uuid", "guid", "id"), _uuid),
    (("birthday", "birthdate", "dob", "date_of_birth"), lambda f: f.date_of_birth().isoformat()),
    (("date", "day"), FORMATS["date"]),
    (("time", "timestamp", "datetime", "at"), _datetime),
    (("question", "query"), lambda f: _phrase(f, 5, 10) + "?"),
    (("title", "headline", "subject", "heading", "topic"), lambda f: _phrase(f, 2, 5)),
    (("description", "summary", "bio", "about", "abstract", "explanation", "reasoning",
      "reason", "answer", "content", "text", "body", "message", "comment", "note", "notes"),
     lambda f: str(f.sentence(nb_words=f.random.randint(8, 16)))),
    (("name", "full_name", "author", "owner", "person"), "name"),
    (("word", "tag", "keyword", "category", "label", "kind", "type", "status"),
     "word"),
]  # fmt: skip


def _make(fake: Any, maker: Maker | str) -> str:
    return str(getattr(fake, maker)()) if isinstance(maker, str) else maker(fake)


def _plain(fake: Any, hint: str | None) -> str:
    maker = names.lookup(hint, _BY_NAME)
    if maker is not None:
        return _make(fake, maker)
    return " ".join(fake.words(nb=fake.random.randint(2, 3)))


def _fit(text: str, fake: Any, low: int, high: int | None) -> str:
    """``text`` padded with words or cut, to a length in ``[low, high]``."""
    if len(text) < low:
        # Words are drawn in batches and joined once: adding them one at a time re-copies
        # the text for every word, which took seconds for a 100,000-character minLength.
        words = [text] if text else []
        size = len(text)
        while size < low:
            for word in fake.words(nb=min(4096, (low - size) // 6 + 1)):
                size += len(word) + (1 if words else 0)
                words.append(str(word))
                if size >= low:
                    break
        text = " ".join(words)
    if high is not None and len(text) > high:
        text = text[:high].rstrip() if high else ""
        text = text if len(text) >= low else text.ljust(low, "x")
    return text


def string(schema: Mapping[str, Any], fake: Any, rng: random.Random, hint: str | None) -> str:
    """A string valid against ``schema`` (``enum``/``const`` are handled by the caller)."""
    low = int(schema.get("minLength", 0))
    high_raw = schema.get("maxLength")
    high = int(high_raw) if high_raw is not None else None
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        found = matching_string(pattern, rng, low, high)
        if found is not None:
            return found
    maker = FORMATS.get(str(schema.get("format")))
    if maker is not None:
        for _ in range(5):
            text = _make(fake, maker)
            if low <= len(text) <= (high if high is not None else len(text)):
                return text
        return text
    return _fit(_plain(fake, hint), fake, low, high)
