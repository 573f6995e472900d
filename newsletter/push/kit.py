"""Kit (formerly ConvertKit): a Message -> a draft broadcast via API v4.

In: the Message, [push.kit] email_address (optional sending address) and the
key. Out: the broadcast's id and its page. Kit takes HTML content and a
preview_text; it has no text-part field (Kit makes the text version).
"""
from __future__ import annotations

from .service import Message, RestService, field


class Kit(RestService):
    name, title, env = "kit", "Kit", "KIT_API_KEY"
    api_url = "https://api.kit.com/v4"
    collection, noun = "/broadcasts", "draft broadcast"
    id_at = ("broadcast", "id")
    docs = {
        # POST /v4/broadcasts answers 201 {"broadcast": {"id": 27, "send_at": null, ...}}
        "create": "https://developers.kit.com/api-reference/broadcasts/create-a-broadcast",
        "get": "https://developers.kit.com/api-reference/broadcasts/get-a-broadcast",
        # PUT /v4/broadcasts/{id} takes the fields of create; send_at stays null
        "update": "https://developers.kit.com/api-reference/broadcasts/update-a-broadcast",
    }

    def headers(self):
        return self.json_headers({"X-Kit-Api-Key": self.key})

    def body(self, message: Message) -> dict:
        body = {"subject": message.subject, "preview_text": message.preheader,
                "content": message.html,
                # "To save a draft, set send_at to null" (docs["create"]); a timestamp
                # would schedule it. public: false keeps it off the web until you choose.
                "send_at": None, "public": False}
        if self.setting("email_address"):
            body["email_address"] = self.setting("email_address")
        return body

    def status_of(self, data) -> str:
        broadcast = field(data, "broadcast", default={})
        # A draft has no send_at; one with a send_at is scheduled or sent. Newer
        # answers also carry a status; anything but "draft" there is not a draft.
        status = field(broadcast, "status")
        if status is None:
            status = "draft" if field(broadcast, "send_at") is None else "scheduled or sent"
        return status

    def draft_url(self, draft_id):
        return f"https://app.kit.com/campaigns/{draft_id}/draft"

    def hint(self, status, said):
        if status == 401:
            return "use a v4 API key (Settings > Developer), exported as KIT_API_KEY"
        if "email_address" in said.lower():
            return "set [push.kit] email_address to a confirmed sending address, or remove it"
        return ""
