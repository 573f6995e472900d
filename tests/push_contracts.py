"""Local stand-ins for the seven services' draft APIs, as their documentation describes them.

Each contract checks what a request must carry (method, path, auth header,
content type, required fields), answers with the documented shapes and status
codes, keeps the campaigns it made, and records every request. A test can queue
faults (a status with headers and body) to be answered before the next
requests, or set a delay to make the server too slow.

These follow the documentation only (see the cited pages in newsletter/push/);
no request here ever reached a real service.
"""
from __future__ import annotations

import base64
import itertools
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

KEY = "sk-test-0123456789abcdef-us21"   # Mailchimp-shaped: the suffix is the data centre


class Contract:
    name = ""
    prefix = ""          # the api_url path
    sent_status = "sent"
    settings: dict = {}

    def __init__(self):
        self.campaigns: dict[str, dict] = {}
        self.log: list[dict] = []
        self.faults: list[tuple[int, dict, bytes]] = []
        self.delay = 0.0
        self._ids = itertools.count(1)

    # --- helpers ---
    def new_id(self) -> str:
        return str(next(self._ids))

    def json(self, status: int, data) -> tuple[int, dict, bytes]:
        return status, {"Content-Type": "application/json"}, json.dumps(data).encode()

    def requests(self, method: str | None = None) -> list[dict]:
        return [r for r in self.log if method is None or r["method"] == method]

    def authorized(self, headers) -> bool:
        raise NotImplementedError

    def unauthorized(self):
        raise NotImplementedError

    def route(self, method: str, path: str, body, headers):
        raise NotImplementedError

    def arrive(self, method, path, headers, raw: bytes) -> dict:
        """Record the request and wait the set delay; a queued fault goes in entry["fault"]."""
        entry = {"method": method, "path": path, "headers": dict(headers), "raw": raw}
        self.log.append(entry)
        if self.delay:
            time.sleep(self.delay)
        entry["fault"] = self.faults.pop(0) if self.faults else None
        return entry

    def handle(self, method, path, headers, raw: bytes):
        entry = self.arrive(method, path, headers, raw)
        if entry["fault"]:
            return entry["fault"]
        if not self.authorized(headers):
            return self.unauthorized()
        if method in ("POST", "PUT", "PATCH"):
            if headers.get("Content-Type", "").split(";")[0] != "application/json":
                return self.json(415, {"message": "contract: JSON body expected"})
            try:
                entry["body"] = body = json.loads(raw)
            except ValueError:
                return self.json(400, {"message": "contract: body is not JSON"})
        else:
            body = None
        return self.route(method, path[len(self.prefix):], body, headers)

    def data_item(self, method, cid, body, not_found: str, refused: int):
        """GET or PUT one campaign, answered as {"data": ...} (Listmonk, MailerLite)."""
        if cid not in self.campaigns:
            return self.json(404, {"message": not_found})
        if method == "GET":
            return self.json(200, {"data": self.campaigns[cid]})
        if method == "PUT":
            if self.campaigns[cid]["status"] != "draft":
                return self.json(refused, {"message": "contract: only a draft can be changed"})
            self.campaigns[cid].update(body)
            return self.json(200, {"data": self.campaigns[cid]})
        return self.json(405, {"message": "Method not allowed."})

    def mark_sent(self, cid: str) -> None:
        self.campaigns[cid]["status"] = self.sent_status

    def missing(self, body: dict, *keys) -> list[str]:
        return [k for k in keys if not body.get(k)]


class ButtondownContract(Contract):
    # https://docs.buttondown.com/api-emails-create, -retrieve, -update
    name, prefix = "buttondown", "/v1"

    def authorized(self, headers):
        return headers.get("Authorization") == f"Token {KEY}"

    def unauthorized(self):
        return self.json(401, {"detail": "Invalid token."})

    def route(self, method, path, body, headers):
        if path == "/emails" and method == "POST":
            if self.missing(body, "subject", "body"):
                return self.json(400, {"code": "subject_invalid", "detail": "subject is required"})
            if body.get("status") != "draft":   # without it Buttondown sends at once
                return self.json(400, {"detail": "contract: status draft missing; this would send"})
            if body["body"].lstrip().startswith("---"):
                return self.json(400, {"code": "body_invalid", "detail": "front matter"})
            email_id = str(uuid.uuid4())
            self.campaigns[email_id] = {"id": email_id, **body}
            return self.json(201, self.campaigns[email_id])
        email_id = path.removeprefix("/emails/")
        if email_id not in self.campaigns:
            return self.json(404, {"detail": "Not found."})
        if method == "GET":
            return self.json(200, self.campaigns[email_id])
        if method == "PATCH":
            if body.get("status") != "draft":
                return self.json(400, {"detail": "contract: status must stay draft"})
            self.campaigns[email_id].update(body)
            return self.json(200, self.campaigns[email_id])
        return self.json(405, {"detail": "Method not allowed."})


class MailchimpContract(Contract):
    # https://mailchimp.com/developer/marketing/api/campaigns/ and campaign-content/
    name, prefix, sent_status = "mailchimp", "/3.0", "sent"
    settings = {"list_id": "abc123", "from_name": "Test Group", "reply_to": "news@example.org"}

    def authorized(self, headers):
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        if scheme != "Basic":
            return False
        user, _, password = base64.b64decode(token).decode().partition(":")
        return bool(user) and password == KEY

    def unauthorized(self):
        return self.json(401, {"type": "https://mailchimp.com/developer/marketing/docs/errors/",
                               "title": "API Key Invalid", "status": 401,
                               "detail": "Your API key may be invalid, or you've attempted to "
                                         "access the wrong datacenter.", "instance": "x"})

    def route(self, method, path, body, headers):
        if path == "/campaigns" and method == "POST":
            if body.get("type") != "regular" or not body.get("recipients", {}).get("list_id"):
                return self.json(400, {"title": "Invalid Resource", "status": 400,
                                       "detail": "The resource submitted could not be validated."})
            if body["recipients"]["list_id"] != "abc123":
                return self.json(400, {"title": "Invalid Resource", "status": 400,
                                       "detail": "Invalid MailChimp List ID: "
                                                 + body["recipients"]["list_id"]})
            cid = uuid.uuid4().hex[:10]
            self.campaigns[cid] = {"id": cid, "web_id": int(self.new_id()) + 1000,
                                   "status": "save", **body}
            return self.json(200, self.campaigns[cid])
        parts = path.strip("/").split("/")
        cid = parts[1] if len(parts) > 1 else ""
        if cid not in self.campaigns:
            return self.json(404, {"title": "Resource Not Found", "status": 404,
                                   "detail": "The requested resource could not be found."})
        campaign = self.campaigns[cid]
        if parts[2:] == ["content"] and method == "PUT":
            if campaign["status"] != "save":
                return self.json(400, {"title": "Bad Request", "detail": "contract: not editable"})
            if "html" not in body:
                return self.json(400, {"title": "Bad Request", "detail": "html missing"})
            campaign["content"] = body
            return self.json(200, {"html": body["html"], "plain_text": body.get("plain_text")})
        if parts[2:] == [] and method == "GET":
            return self.json(200, campaign)
        if parts[2:] == [] and method == "PATCH":
            if campaign["status"] != "save":
                return self.json(400, {"title": "Bad Request", "detail": "contract: not editable"})
            if not body.get("settings", {}).get("subject_line"):
                return self.json(400, {"title": "Invalid Resource", "detail": "subject_line"})
            campaign["settings"] = body["settings"]
            return self.json(200, campaign)
        return self.json(405, {"title": "Method Not Allowed", "detail": path})


class ListmonkContract(Contract):
    # https://listmonk.app/docs/apis/campaigns/
    name, prefix, sent_status = "listmonk", "", "finished"
    settings = {"api_user": "newsletter-bot", "list_ids": [3]}

    def authorized(self, headers):
        return headers.get("Authorization") == f"token newsletter-bot:{KEY}"

    def unauthorized(self):
        return self.json(403, {"message": "invalid API credentials"})

    def route(self, method, path, body, headers):
        required = ("name", "subject", "lists", "content_type", "body")
        if path == "/api/campaigns" and method == "POST":
            if self.missing(body, *required) or body["content_type"] != "html":
                return self.json(400, {"message": "contract: missing " + ", ".join(self.missing(body, *required))})
            if not all(isinstance(x, int) for x in body["lists"]):
                return self.json(400, {"message": "invalid list IDs"})
            cid = int(self.new_id())
            self.campaigns[str(cid)] = {"id": cid, "status": "draft", **body}
            return self.json(200, {"data": self.campaigns[str(cid)]})
        return self.data_item(method, path.removeprefix("/api/campaigns/"), body,
                              "Campaign not found.", 400)


class MailerLiteContract(Contract):
    # https://developers.mailerlite.com/docs/campaigns.html
    name, prefix = "mailerlite", "/api"
    settings = {"from_name": "Test Group", "from_email": "news@example.org", "group_ids": ["42"]}

    def authorized(self, headers):
        return headers.get("Authorization") == f"Bearer {KEY}"

    def unauthorized(self):
        return self.json(401, {"message": "Unauthenticated."})

    def route(self, method, path, body, headers):
        if path == "/campaigns" and method == "POST" or method == "PUT":
            emails = body.get("emails") or [{}]
            errors = {f"emails.0.{k}": [f"The emails.0.{k} field is required."]
                      for k in ("subject", "from_name", "from") if not emails[0].get(k)}
            if not body.get("name") or body.get("type") != "regular":
                errors["name"] = ["The name field is required."]
            if errors:
                return self.json(422, {"message": "The given data was invalid.", "errors": errors})
        if path == "/campaigns" and method == "POST":
            cid = str(10**16 + int(self.new_id()))
            self.campaigns[cid] = {"id": cid, "status": "draft", **body}
            return self.json(201, {"data": self.campaigns[cid]})
        return self.data_item(method, path.removeprefix("/campaigns/"), body,
                              "Resource not found.", 422)


class KitContract(Contract):
    # https://developers.kit.com/api-reference/broadcasts/create-a-broadcast (get-, update-)
    name, prefix, sent_status = "kit", "/v4", "completed"

    def authorized(self, headers):
        return headers.get("X-Kit-Api-Key") == KEY

    def unauthorized(self):
        return self.json(401, {"errors": ["The access token is invalid"]})

    def route(self, method, path, body, headers):
        if method in ("POST", "PUT"):
            # A timestamp in send_at schedules the broadcast: a draft must say null.
            if "send_at" not in body or body["send_at"] is not None:
                return self.json(422, {"errors": ["contract: send_at must be null for a draft"]})
        if path == "/broadcasts" and method == "POST":
            bid = int(self.new_id())
            self.campaigns[str(bid)] = {"id": bid, "created_at": "2026-03-20T10:00:00Z", **body}
            return self.json(201, {"broadcast": self.campaigns[str(bid)]})
        bid = path.removeprefix("/broadcasts/")
        if bid not in self.campaigns:
            return self.json(404, {"errors": ["Not Found"]})
        if method == "GET":
            return self.json(200, {"broadcast": self.campaigns[bid]})
        if method == "PUT":
            self.campaigns[bid].update(body)
            return self.json(200, {"broadcast": self.campaigns[bid]})
        return self.json(405, {"errors": ["Method not allowed"]})

    def mark_sent(self, cid):
        self.campaigns[cid]["send_at"] = "2026-03-21T09:00:00Z"


class BrevoContract(Contract):
    # https://developers.brevo.com/reference/createemailcampaign (get-, update-)
    name, prefix = "brevo", "/v3"
    settings = {"from_name": "Test Group", "from_email": "news@example.org", "list_ids": [7]}

    def authorized(self, headers):
        return headers.get("api-key") == KEY

    def unauthorized(self):
        return self.json(401, {"code": "unauthorized", "message": "Key not found"})

    def route(self, method, path, body, headers):
        if method in ("POST", "PUT"):
            if "scheduledAt" in body:
                return self.json(400, {"code": "invalid_parameter",
                                       "message": "contract: scheduledAt would schedule it"})
        if path == "/emailCampaigns" and method == "POST":
            missing = self.missing(body, "name", "sender", "subject", "htmlContent")
            if missing or not body["sender"].get("email"):
                return self.json(400, {"code": "missing_parameter",
                                       "message": "missing " + ", ".join(missing or ["sender.email"])})
            cid = int(self.new_id())
            self.campaigns[str(cid)] = {"id": cid, "status": "draft", **body}
            return self.json(201, {"id": cid})
        cid = path.removeprefix("/emailCampaigns/")
        if cid not in self.campaigns:
            return self.json(404, {"code": "document_not_found",
                                   "message": "Campaign ID does not exist"})
        if method == "GET":
            return self.json(200, self.campaigns[cid])
        if method == "PUT":
            self.campaigns[cid].update(body)
            return 204, {}, b""
        return self.json(405, {"code": "method_not_allowed", "message": "no"})


class SendyContract(Contract):
    # https://sendy.co/api: form fields, answers a sentence with status 200
    name, prefix = "sendy", ""
    settings = {"brand_id": 1, "from_name": "Test Group", "from_email": "news@example.org",
                "reply_to": "news@example.org"}

    def handle(self, method, path, headers, raw):
        entry = self.arrive(method, path, headers, raw)
        if entry["fault"]:
            return entry["fault"]
        if method != "POST" or path != "/api/campaigns/create.php":
            return 404, {"Content-Type": "text/html"}, b"Not found"
        if headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
            return 200, {}, b"No data passed"
        form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        entry["body"] = form
        text = self.answer(form)
        return 200, {"Content-Type": "text/plain"}, text.encode()

    def answer(self, form) -> str:
        if not form.get("api_key"):
            return "API key not passed"
        if form["api_key"] != KEY:
            return "Invalid API key"
        for field, words in (("from_name", "From name"), ("from_email", "From email"),
                             ("reply_to", "Reply to email"), ("subject", "Subject"),
                             ("html_text", "HTML")):
            if not form.get(field):
                return f"{words} not passed"
        if form.get("send_campaign") == "1":
            return "contract: send_campaign=1 would send"
        if not form.get("brand_id"):
            return "Brand ID not passed"
        self.campaigns[self.new_id()] = form
        return "Campaign created"


CONTRACTS = [ButtondownContract, MailchimpContract, ListmonkContract, MailerLiteContract,
             KitContract, BrevoContract, SendyContract]


class Server:
    """A contract served on 127.0.0.1 in a thread, for one test."""

    def __init__(self, contract: Contract):
        self.contract = contract
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, headers, body = outer.contract.handle(self.command, self.path,
                                                              self.headers, raw)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass   # the client gave up (the timeout test)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{self.contract.prefix}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
