"""Sendy (self-hosted): a Message -> a draft campaign via /api/campaigns/create.php.

In: the Message, [push.sendy] api_url (your installation), brand_id,
from_name, from_email and reply_to, and the key (sent as the api_key form
field, as Sendy asks). Out: a Draft with no id: Sendy's API answers only
"Campaign created" and has no call to find, check or change a campaign, so
each push makes a new draft (run.py says so and names the old one).
"""
from __future__ import annotations

from .client import PushError, Request
from .service import Draft, Message, Service, State

DOCS = "https://sendy.co/api"


class Sendy(Service):
    name, title, env = "sendy", "Sendy", "SENDY_API_KEY"
    required = ("api_url", "brand_id", "from_name", "from_email", "reply_to")
    can_update = False

    def create(self, message: Message) -> Draft:
        form = {"api_key": self.key, "from_name": str(self.setting("from_name")),
                "from_email": str(self.setting("from_email")),
                "reply_to": str(self.setting("reply_to")), "title": message.name,
                "subject": message.subject, "plain_text": message.text,
                "html_text": message.html, "brand_id": str(self.setting("brand_id")),
                # Sendy sends at once when send_campaign is 1 (then list_ids is
                # needed); 0 saves a draft under the brand. Always 0, and no list_ids.
                "send_campaign": "0"}
        answer = self.client.send(Request("POST", f"{self.base}/api/campaigns/create.php",
                                          {"Accept": "text/plain"}, form=form, doc=DOCS,
                                          what="create the draft"))
        if answer is not None:
            said = str(answer.data or "").strip()
            # Sendy answers its errors with status 200 and a sentence.
            if said != "Campaign created":
                raise PushError(self.client.redact(
                    f"Sendy did not make the draft: \"{said or 'an empty answer'}\". "
                    + self.hint(200, said)))
        return Draft("", f"{self.base}/app?i={self.setting('brand_id')}")

    def state(self, draft_id: str) -> State:
        raise NotImplementedError("Sendy's API has no call to look up a campaign")

    def update(self, draft_id: str, message: Message) -> Draft:
        raise NotImplementedError("Sendy's API has no call to change a campaign")

    def hint(self, status, said):
        low = said.lower()
        if "api key" in low:
            return "Check SENDY_API_KEY against Settings in your Sendy installation"
        if "brand" in low:
            return "Set [push.sendy] brand_id to the number after ?i= in your brand's Sendy address"
        if "not passed" in low:
            return "Set the missing value under [push.sendy] in newsletter.toml"
        return "Check api_url and the [push.sendy] settings"
