"""Mailchimp: a Message -> a regular campaign, saved (not sent), via Marketing API 3.0.

In: the Message, [push.mailchimp] list_id (the audience), from_name and
reply_to, and the key, whose suffix (`…-us21`) names the data centre. Out:
the campaign's id and its edit page. Two requests each time: the campaign
with its settings (subject, preview text), then its content (HTML and plain
text). A campaign made through the API stays in status "save" until someone
sends it; nothing here calls /actions/send or /actions/schedule.
"""
from __future__ import annotations

import base64

from .client import Request
from .service import Draft, Message, RestService, field


class Mailchimp(RestService):
    name, title, env = "mailchimp", "Mailchimp", "MAILCHIMP_API_KEY"
    required = ("list_id",)
    collection = "/campaigns"
    draft_word, update_method = "save", "PATCH"   # save, paused, schedule, sending, sent
    docs = {
        # POST /3.0/campaigns answers 200 with the campaign, "status": "save"
        "create": "https://mailchimp.com/developer/marketing/api/campaigns/add-campaign/",
        "get": "https://mailchimp.com/developer/marketing/api/campaigns/get-campaign-info/",
        # PATCH /3.0/campaigns/{id} with the settings
        "update": "https://mailchimp.com/developer/marketing/api/campaigns/update-campaign-settings/",
        # PUT /3.0/campaigns/{id}/content with html and plain_text
        "content": "https://mailchimp.com/developer/marketing/api/campaign-content/set-campaign-content/",
    }

    def default_url(self) -> str:
        # The data centre is the key's suffix (https://mailchimp.com/developer/marketing/docs/fundamentals/)
        return f"https://{self._dc() or '<dc>'}.api.mailchimp.com/3.0"

    def _dc(self) -> str:
        return self.key.rsplit("-", 1)[1] if "-" in self.key else ""

    def headers(self):
        # HTTP Basic with any user name and the key as the password.
        token = base64.b64encode(f"newsletter:{self.key}".encode()).decode()
        return self.json_headers({"Authorization": f"Basic {token}"})

    def body(self, message: Message) -> dict:
        settings = {"subject_line": message.subject, "preview_text": message.preheader,
                    "title": message.name}
        for key in ("from_name", "reply_to"):
            if self.setting(key):
                settings[key] = self.setting(key)
        return {"type": "regular", "recipients": {"list_id": str(self.setting("list_id"))},
                "settings": settings}

    def create(self, message: Message) -> Draft:
        draft = super().create(message)
        self._content(draft.id, message)
        return draft

    def update(self, draft_id: str, message: Message) -> Draft:
        super().update(draft_id, message)
        self._content(draft_id, message)
        return self.draft(draft_id)

    def _content(self, campaign_id: str, message: Message) -> None:
        self.client.send(Request(
            "PUT", f"{self.base}/campaigns/{campaign_id}/content", self.headers(),
            json={"html": message.html, "plain_text": message.text}, doc=self.docs["content"],
            what="set the campaign's HTML and text"))

    def id_of(self, data) -> str:
        self._web_id = field(data, "web_id")   # for the edit page's address
        return super().id_of(data)

    def status_of(self, data) -> str:
        self._web_id = field(data, "web_id")   # for the edit page's address
        return super().status_of(data)

    def draft(self, draft_id) -> Draft:
        host = f"{self._dc()}.admin.mailchimp.com" if self._dc() else "admin.mailchimp.com"
        web_id = getattr(self, "_web_id", None)
        url = (f"https://{host}/campaigns/edit?id={web_id}" if web_id
               else f"https://{host}/campaigns/")
        return Draft(str(draft_id), url, {"web_id": web_id} if web_id else None)

    def hint(self, status, said):
        low = said.lower()
        if "list" in low or "audience" in low or "recipients" in low:
            return ("Mailchimp says the audience id is wrong: set [push.mailchimp] list_id to the "
                    "id under Audience > Settings > Audience name and defaults")
        if "reply_to" in low or "from_name" in low:
            return "set [push.mailchimp] from_name and reply_to (a verified address)"
        if status == 401 and "-" not in self.key:
            return "a Mailchimp key ends in its data centre, like …-us21; copy the whole key"
        return ""
