"""Listmonk (self-hosted): a Message -> a draft campaign via its /api/campaigns.

In: the Message, [push.listmonk] api_url (your instance), api_user and
list_ids (and from_email if not the instance's default), and the API user's
token as the key. Out: the campaign's id and its admin page. Listmonk has no
preheader field; the preheader is in the HTML's hidden preview line.
"""
from __future__ import annotations

from .service import Message, RestService, ids

DOCS = "https://listmonk.app/docs/apis/campaigns/"


class Listmonk(RestService):
    name, title, env = "listmonk", "Listmonk", "LISTMONK_API_KEY"
    required = ("api_url", "api_user", "list_ids")
    collection = "/api/campaigns"
    # Answers are {"data": {...}}; status is draft, scheduled, running, paused,
    # cancelled or finished. POST creates, GET /{id} reads, PUT /{id} takes the
    # fields of create (DOCS).
    id_at, status_at = ("data", "id"), ("data", "status")
    docs = {"create": DOCS, "get": DOCS, "update": DOCS}

    def default_url(self) -> str:
        return "http://localhost:9000"   # never used: api_url is required

    def headers(self):
        # "Authorization: token api_user:token" (https://listmonk.app/docs/apis/apis/)
        return self.json_headers({"Authorization": f"token {self.setting('api_user')}:{self.key}"})

    def body(self, message: Message) -> dict:
        body = {"name": message.name, "subject": message.subject,
                "lists": ids(self.setting("list_ids")), "type": "regular",
                "content_type": "html", "body": message.html, "altbody": message.text,
                "messenger": "email"}
        if self.setting("from_email"):
            body["from_email"] = self.setting("from_email")
        # A campaign is made as a draft and only starts when its status is set to
        # running or scheduled (PUT .../status), which nothing here calls; no send_at.
        return body

    def draft_url(self, draft_id):
        return f"{self.base}/admin/campaigns/{draft_id}"

    def hint(self, status, said):
        if status in (401, 403):
            return ("Listmonk wants an API user (Admin > Users) and its token: set "
                    "[push.listmonk] api_user and export LISTMONK_API_KEY=<token>")
        if "list" in said.lower():
            return "set [push.listmonk] list_ids to the ids under Lists in Listmonk"
        return ""
