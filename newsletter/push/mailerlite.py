"""MailerLite: a Message -> a draft regular campaign via connect.mailerlite.com/api.

In: the Message, [push.mailerlite] from_name, from_email and group_ids, and
the key. Out: the campaign's id and its page. A campaign made this way stays
a draft until /schedule is called, which nothing here does. The create call
takes one HTML content per email and no preheader or text field: the
preheader is in the HTML's hidden preview line, and MailerLite writes the
text version itself.
"""
from __future__ import annotations

from .service import Message, RestService, ids

DOCS = "https://developers.mailerlite.com/docs/campaigns.html"


class MailerLite(RestService):
    name, title, env = "mailerlite", "MailerLite", "MAILERLITE_API_KEY"
    api_url = "https://connect.mailerlite.com/api"
    required = ("from_name", "from_email")
    collection = "/campaigns"
    # Answers are {"data": {...}}; status is draft, ready (scheduled) or sent.
    # POST creates (201), GET /{id} reads, PUT /{id} changes a draft (DOCS).
    id_at, status_at = ("data", "id"), ("data", "status")
    docs = {"create": DOCS, "get": DOCS, "update": DOCS}

    def headers(self):
        return self.json_headers({"Authorization": f"Bearer {self.key}"})

    def body(self, message: Message) -> dict:
        email = {"subject": message.subject, "from_name": self.setting("from_name"),
                 "from": self.setting("from_email"), "content": message.html}
        if self.setting("reply_to"):
            email["reply_to"] = self.setting("reply_to")
        body = {"name": message.name, "type": "regular", "emails": [email]}
        if self.setting("group_ids"):
            body["groups"] = [str(g) for g in ids(self.setting("group_ids"))]
        return body

    def draft_url(self, draft_id):
        return f"https://dashboard.mailerlite.com/campaigns/{draft_id}/edit"

    def hint(self, status, said):
        low = said.lower()
        if "group" in low:
            return "set [push.mailerlite] group_ids to ids from Subscribers > Groups"
        if "from" in low:
            return "set [push.mailerlite] from_email to a verified sender address"
        if status == 422 and "content" in low:
            return "MailerLite takes custom HTML only on plans that allow it"
        return ""
