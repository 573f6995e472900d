"""One HTTP request to a mailing service -> its parsed answer, or one clear error.

In: a `Request` (method, URL, headers, a JSON or form body) and the API key
it carries. Out: the answer's JSON (or text, for Sendy), after bounded
retries on 429 and 5xx that honour Retry-After; or a PushError holding the
service's own error text, what it means and what to do. With dry_run the
request is printed instead (method, URL, headers with the key masked, body
sizes) and nothing is sent. The key never reaches any output: every text we
print passes through `redact`.
"""
from __future__ import annotations

import base64
import email.utils
import json
import time
from dataclasses import dataclass, field
from typing import Callable

import httpx

from ..errors import NewsletterError

# Bounded, so a service that keeps saying "later" can't hang a weekly run.
RETRIES = 3
# The longest Retry-After we wait for; a longer one becomes an error that says when.
RETRY_CAP = 30.0
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MASK = "****"


class PushError(NewsletterError):
    """A push that failed; the message says what the service said and what to do."""


class NotFound(PushError):
    """The service has no such draft (HTTP 404)."""


@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    json: dict | None = None
    form: dict[str, str] | None = None
    doc: str = ""   # the documentation page this request follows, shown in --dry-run
    what: str = ""  # "create the draft", for messages


@dataclass
class Answer:
    status: int
    data: object   # parsed JSON, or the text when the body isn't JSON
    text: str


def secret_forms(key: str) -> list[str]:
    """The key as it may appear on the wire: plain, and inside HTTP Basic's base64."""
    if not key:
        return []
    forms = [key]
    for user in ("newsletter", "anystring"):
        forms.append(base64.b64encode(f"{user}:{key}".encode()).decode())
    return forms


class Client:
    """Sends Requests for one service, or with dry_run prints them."""

    def __init__(self, service: str, key: str, echo: Callable[[str], None],
                 dry_run: bool = False, hints: Callable[[int, str], str] | None = None):
        self.service, self.key, self.echo, self.dry_run = service, key, echo, dry_run
        self.hints = hints or (lambda status, text: "")
        self._http = None if dry_run else httpx.Client(timeout=TIMEOUT, follow_redirects=False)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def redact(self, text: str) -> str:
        # The one text substitution here is a safety net over our own messages:
        # a service that echoes a request back must not make us print the key.
        for form in secret_forms(self.key):
            text = text.replace(form, MASK)
        return text

    def say(self, text: str) -> None:
        """Print one line for the writer, the key masked: api_url may hold it."""
        self.echo(self.redact(text))

    def send(self, request: Request, ok: tuple[int, ...] = (200, 201, 202, 204)) -> Answer | None:
        """The answer, or None under dry_run (nothing was sent)."""
        if self.dry_run:
            self.say(describe(request, self.key))
            return None
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(
                    request.method, request.url, headers=request.headers,
                    content=json.dumps(request.json).encode() if request.json is not None else None,
                    data=request.form)
            except httpx.TimeoutException:
                if request.method == "GET" and attempt <= RETRIES:
                    continue
                raise PushError(self.redact(
                    f"{self.service} did not answer in time ({request.method} {request.url}, "
                    f"trying to {request.what or 'talk to it'}). Check your connection and api_url; "
                    + ("then look in the service whether a draft was made before pushing again"
                       if request.method == "POST" else "then push again"))) from None
            except httpx.HTTPError as exc:
                raise PushError(self.redact(
                    f"could not reach {self.service} at {request.url}: {exc}. Check api_url in "
                    f"[push.{self.service.lower()}] and your connection")) from None
            if response.status_code in ok:
                return Answer(response.status_code, _parse(response.text), response.text)
            wait = self._retry_wait(request, response, attempt)
            if wait is None:
                raise self._error(request, response)
            self.say(f"  {self.service} answered {response.status_code}; trying again in "
                     f"{wait:g} s")
            time.sleep(wait)

    def _retry_wait(self, request: Request, response: httpx.Response, attempt: int) -> float | None:
        status = response.status_code
        # A POST that failed with a 500 may still have made the draft; only retry
        # it when the service said plainly that it did nothing (429, 503).
        retryable = status in (429, 503) or (status >= 500 and request.method != "POST")
        if not retryable or attempt > RETRIES:
            return None
        wait = retry_after(response.headers.get("Retry-After"), default=2.0 ** (attempt - 1))
        return None if wait > RETRY_CAP else wait

    def _error(self, request: Request, response: httpx.Response) -> PushError:
        said = service_text(response.text) or response.reason_phrase
        status = response.status_code
        if status == 401 or status == 403:
            meaning = ("the API key was refused. Check that the key in the environment "
                       "is this account's, current, and allowed to write campaigns")
        elif status == 404:
            meaning = "the service has no such thing here; check api_url and the ids in newsletter.toml"
        elif status == 429:
            meaning = ("the service is limiting requests and asked to wait longer than "
                       f"{RETRY_CAP:g} s; push again later")
        elif status >= 500:
            meaning = "the service failed on its side; push again later"
        else:
            meaning = "the service refused the request"
        hint = self.hints(status, said)
        message = (f"{self.service} answered {status} to {request.method} {request.url} "
                   f"(trying to {request.what or 'push'}): \"{said}\". Meaning: {meaning}"
                   + (f". {hint}" if hint else ""))
        cls = NotFound if status == 404 else PushError
        return cls(self.redact(message))


def retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a Retry-After header: a number or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return default
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def service_text(text: str, limit: int = 400) -> str:
    """The service's own error words, from the JSON shapes these APIs use, else the text."""
    data = _parse(text)
    found: list[str] = []

    def walk(value, key=""):
        if isinstance(value, str):
            if key in ("detail", "message", "error", "title", "errors", "") and value.strip():
                found.append(value.strip())
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, dict):
            for k in ("title", "detail", "message", "error", "code", "errors"):
                if k in value:
                    walk(value[k], "message" if k == "code" else k)
            if key == "errors":   # {"errors": {"field": ["why"]}}
                for k, v in value.items():
                    if k not in ("title", "detail", "message", "error", "code"):
                        found.extend(f"{k}: {s}" for s in (v if isinstance(v, list) else [v])
                                     if isinstance(s, str))

    if isinstance(data, (dict, list)):
        walk(data)
    elif isinstance(data, str):
        found.append(" ".join(data.split()))
    said = "; ".join(dict.fromkeys(found))
    return said if len(said) <= limit else said[:limit] + "…"


def _parse(text: str):
    try:
        return json.loads(text) if text.strip() else None
    except ValueError:
        return text


def describe(request: Request, key: str) -> str:
    """What --dry-run prints: the request as it would go, the key masked, body sizes."""
    lines = [f"{request.method} {request.url}"]
    if request.doc:
        lines.append(f"  # {request.doc}")
    for name, value in request.headers.items():
        lines.append(f"  {name}: {_mask_header(name, value, key)}")
    if request.json is not None:
        body = json.dumps(request.json).encode()
        lines.append(f"  body: JSON, {_size(len(body))}")
        for k, v in request.json.items():
            if isinstance(v, dict) and len(json.dumps(v)) > 60:   # e.g. Mailchimp's settings
                lines.append(f"    {k}:")
                lines += [f"      {sub}: {_field(w)}" for sub, w in v.items()]
            else:
                lines.append(f"    {k}: {_field(v)}")
    elif request.form is not None:
        body = "&".join(f"{k}={v}" for k, v in request.form.items()).encode()
        lines.append(f"  body: form, {_size(len(body))}")
        lines += [f"    {k}: {MASK if k == 'api_key' else _field(v)}"
                  for k, v in request.form.items()]
    return "\n".join(lines)


def _mask_header(name: str, value: str, key: str) -> str:
    if name.lower() in ("authorization", "api-key", "x-kit-api-key"):
        scheme, _, rest = value.partition(" ")
        if name.lower() == "authorization" and rest:
            if scheme.lower() == "token" and ":" in rest:   # Listmonk: token user:key
                return f"{scheme} {rest.split(':', 1)[0]}:{MASK}"
            return f"{scheme} {MASK}"
        return MASK
    return value


def _field(value) -> str:
    """A body field in --dry-run: small values as they are, big ones by size."""
    text = json.dumps(value, ensure_ascii=False)
    if len(text) <= 60:
        return text
    return f"{type(value).__name__}, {_size(len(text.encode()))}"


def _size(n: int) -> str:
    return f"{n} bytes" if n < 1024 else f"{n / 1024:.1f} KB"
