"""Brevo (formerly Sendinblue): a Message -> a draft email campaign via API v3.

In: the Message, [push.brevo] from_name, from_email and list_ids (reply_to
optional), and the key. Out: the campaign's id and the campaigns page.
Brevo takes htmlContent and a previewText; it has no text-part field.
"""
from __future__ import annotations

from .service import Message, RestService, ids


class Brevo(RestService):
    name, title, env = "brevo", "Brevo", "BREVO_API_KEY"
    api_url = "https://api.brevo.com/v3"
    required = ("from_name", "from_email", "list_ids")
    collection = "/emailCampaigns"
    docs = {
        # POST /v3/emailCampaigns answers 201 {"id": 2}
        "create": "https://developers.brevo.com/reference/createemailcampaign",
        # GET /v3/emailCampaigns/{id}: status is draft, sent, archive, queued,
        # suspended or in_process
        "get": "https://developers.brevo.com/reference/getemailcampaign",
        # PUT /v3/emailCampaigns/{id} answers 204
        "update": "https://developers.brevo.com/reference/updateemailcampaign",
    }

    def headers(self):
        return self.json_headers({"api-key": self.key})

    def body(self, message: Message) -> dict:
        body = {"name": message.name, "subject": message.subject,
                "previewText": message.preheader, "htmlContent": message.html,
                "sender": {"name": self.setting("from_name"), "email": self.setting("from_email")},
                "recipients": {"listIds": ids(self.setting("list_ids"))}}
        # No scheduledAt: with one, Brevo would schedule the send.
        if self.setting("reply_to"):
            body["replyTo"] = self.setting("reply_to")
        return body

    def draft_url(self, draft_id):
        return "https://app.brevo.com/camp/lists/email"

    def hint(self, status, said):
        low = said.lower()
        if "sender" in low:
            return "set [push.brevo] from_email to a sender verified in Brevo (Senders & IP)"
        if "list" in low:
            return "set [push.brevo] list_ids to ids under Contacts > Lists"
        return ""
