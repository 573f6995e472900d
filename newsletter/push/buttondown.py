"""Buttondown: a Message -> a draft email via the API at api.buttondown.com/v1.

In: the Message and the key. Out: the draft's id and its page. Buttondown
has no field for a preheader or a text part: the preheader is already in the
HTML's hidden preview line, and Buttondown makes the text part itself.
"""
from __future__ import annotations

from .service import Message, RestService


class Buttondown(RestService):
    name, title, env = "buttondown", "Buttondown", "BUTTONDOWN_API_KEY"
    api_url = "https://api.buttondown.com/v1"
    collection, noun, update_method = "/emails", "draft", "PATCH"
    docs = {
        # POST /v1/emails answers 201 with the email
        "create": "https://docs.buttondown.com/api-emails-create",
        # GET /v1/emails/{id}: status is draft, about_to_send, scheduled, sent...
        "get": "https://docs.buttondown.com/api-emails-retrieve",
        # PATCH /v1/emails/{id}
        "update": "https://docs.buttondown.com/api-emails-update",
    }

    def headers(self):
        return self.json_headers({"Authorization": f"Token {self.key}"})

    def body(self, message: Message) -> dict:
        # Creating an email through the API sends it at once unless told otherwise
        # (https://docs.buttondown.com/api-emails-introduction), so the status is
        # always written out as "draft", on create and on every update.
        return {"subject": message.subject, "body": message.html, "status": "draft"}

    def draft_url(self, draft_id):
        return f"https://buttondown.com/emails/{draft_id}"

    def hint(self, status, said):
        if status in (400, 422) and "front matter" in said.lower():
            return "Buttondown reads a body starting with --- as front matter; report this"
        return ""
