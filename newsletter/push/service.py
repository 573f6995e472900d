"""What every mailing service module shares: the message pushed, the draft
made, the settings and key a service needs.

In: a `Message` (subject, preheader, HTML and text, with the service's own
merge tags), the `[push.<service>]` settings and a Client. Out, from each
service's `create`/`update`: a `Draft` (its id and the address to open it);
from `state`: whether the draft is still a draft, or what it became.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from .client import Client, PushError, Request

GENERIC_KEY = "NEWSLETTER_API_KEY"
# In --dry-run, where the service would have given the new draft's id.
DRY_ID = "NEW_ID"


@dataclass
class Message:
    name: str        # the campaign's internal name: the file stem
    subject: str
    preheader: str
    html: str
    text: str


@dataclass
class Draft:
    id: str
    url: str = ""    # where the writer opens it to review and send
    extra: dict | None = None   # more to remember in push.json (never the key)


@dataclass
class State:
    is_draft: bool
    status: str      # the service's own word for it: "draft", "sent", "scheduled"...


class Service:
    """One mailing service. Subclasses set the class attributes and the three methods."""

    name = ""            # as in newsletter.toml: "mailchimp"
    title = ""           # as people write it: "Mailchimp"
    env = ""             # the service's own key variable: "MAILCHIMP_API_KEY"
    api_url = ""         # the documented base address; [push.x] api_url overrides it
    required: tuple[str, ...] = ()   # settings it can't do without
    can_update = True    # False where the API can't find or change a campaign (Sendy)

    def __init__(self, settings: dict, key: str, client: Client):
        self.settings, self.key, self.client = settings, key, client
        self.base = str(settings.get("api_url") or self.default_url()).rstrip("/")

    def default_url(self) -> str:
        return self.api_url

    def headers(self) -> dict[str, str]:
        return {}

    def create(self, message: Message) -> Draft:
        raise NotImplementedError

    def state(self, draft_id: str) -> State:
        """Raises client.NotFound when the service no longer has it."""
        raise NotImplementedError

    def update(self, draft_id: str, message: Message) -> Draft:
        raise NotImplementedError

    def hint(self, status: int, said: str) -> str:
        """What to do about an error, in this service's terms ('' if nothing to add)."""
        return ""

    def setting(self, key: str):
        return self.settings.get(key)

    def json_headers(self, auth: dict[str, str]) -> dict[str, str]:
        return {**auth, "Content-Type": "application/json", "Accept": "application/json"}


class RestService(Service):
    """A service whose drafts are a REST collection: POST to make one, GET one to
    see its status, PUT (or PATCH) it to change it. Subclasses say where things
    are, cite their documentation in `docs`, and write the body."""

    collection = ""                   # "/emails", appended to the base address
    id_at: tuple = ("id",)            # where the create answer holds the new id
    status_at: tuple = ("status",)    # where the GET answer holds the status
    draft_word = "draft"              # the status of a draft nobody has sent
    update_method = "PUT"
    noun = "campaign"
    docs: dict[str, str] = {}         # "create", "get", "update": the pages followed

    def body(self, message: Message) -> dict:
        raise NotImplementedError

    def draft_url(self, draft_id: str) -> str:
        return ""

    def create(self, message: Message) -> Draft:
        answer = self.client.send(Request("POST", f"{self.base}{self.collection}", self.headers(),
                                          json=self.body(message), doc=self.docs.get("create", ""),
                                          what=f"create the {self.noun}"))
        return self.draft(self.id_of(answer.data if answer else None))

    def id_of(self, data) -> str:
        """The new draft's id in the create answer (DRY_ID in a dry run)."""
        return field(data, *self.id_at, default=DRY_ID)

    def state(self, draft_id: str) -> State:
        answer = self.client.send(Request("GET", f"{self.base}{self.collection}/{draft_id}",
                                          self.headers(), doc=self.docs.get("get", ""),
                                          what=f"check the {self.noun}"))
        status = self.status_of(answer.data if answer else None)
        return State(status == self.draft_word, str(status))

    def status_of(self, data) -> str:
        return field(data, *self.status_at, default=self.draft_word)

    def update(self, draft_id: str, message: Message) -> Draft:
        self.client.send(Request(self.update_method, f"{self.base}{self.collection}/{draft_id}",
                                 self.headers(), json=self.body(message),
                                 doc=self.docs.get("update", ""), what=f"update the {self.noun}"))
        return self.draft(draft_id)

    def draft(self, draft_id) -> Draft:
        return Draft(str(draft_id), self.draft_url(str(draft_id)))


def api_key(service: type[Service], dry_run: bool) -> str:
    """The key from the service's own variable, else NEWSLETTER_API_KEY; never from a file."""
    for name in (service.env, GENERIC_KEY):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    if dry_run:
        return ""
    raise PushError(f"no API key for {service.title}: export {service.env}=... (or "
                    f"{GENERIC_KEY}) with a key from your {service.title} account, then push again")


def missing_settings(service: type[Service], settings: dict) -> list[str]:
    return [key for key in service.required if settings.get(key) in (None, "", [])]


def field(data, *path, default=None):
    """data[path[0]][path[1]]...: None-safe, for answers (and dry runs, where data is None)."""
    for step in path:
        if isinstance(data, dict) and step in data:
            data = data[step]
        elif isinstance(data, list) and isinstance(step, int) and -len(data) <= step < len(data):
            data = data[step]
        else:
            return default
    return data


def ids(value) -> list:
    """A setting of ids as the service's JSON wants them: numbers stay numbers."""
    values = value if isinstance(value, list) else [value]
    return [int(v) if isinstance(v, str) and v.strip().isdigit() else v for v in values]
