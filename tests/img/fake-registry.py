#!/usr/bin/env python3
# A tiny read-only registry (distribution API v2 GET/HEAD) serving an OCI
# image layout, with faults a real registry never makes, for the pull
# tests' bad-input cases.
#
# usage: fake-registry.py LAYOUT PORTFILE MODE
#   normal            serve the layout as it is (any tag names its only image)
#   500               answer every repository request with 500 and an error body
#   manifest-digest   send manifests with one byte changed, under the original
#                     Docker-Content-Digest
#   truncate-blobs    send every blob over 1 KiB cut to half its length
#   stall             accept, then never answer manifest requests
#   token             require a bearer token, handed out anonymously by /token
#                     on the same server for the scope the challenge names
#   token-basic       the same, but /token wants Basic volt:s3cret
#   token-redirect    as token, and blobs are answered with a 307 to
#                     http://localhost:PORT/storage/DIGEST (another origin),
#                     which refuses requests that carry an Authorization header
# Writes the port it listens on (127.0.0.1) to PORTFILE, then serves until killed.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import base64
import http.server
import json
import urllib.parse
import os
import re
import sys
import time

LAYOUT, PORTFILE, MODE = sys.argv[1], sys.argv[2], sys.argv[3]


def top_manifest():
    with open(os.path.join(LAYOUT, "index.json")) as f:
        return json.load(f)["manifests"][0]


def blob(digest):
    path = os.path.join(LAYOUT, "blobs", "sha256", digest.split(":", 1)[1])
    with open(path, "rb") as f:
        return f.read()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body=b"", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, code, err, msg):
        self.send(code, json.dumps({"errors": [{"code": err, "message": msg}]}).encode(),
                  {"Content-Type": "application/json"})

    def token_ok(self):
        m = re.fullmatch(r"/v2/(.+)/(manifests|blobs)/[^/]+", self.path)
        scope = "repository:%s:pull" % (m.group(1) if m else "")
        if self.headers.get("Authorization") == "Bearer tok-" + scope:
            return True
        realm = "http://127.0.0.1:%d/token" % self.server.server_address[1]
        self.send(401, b'{"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}',
                  {"WWW-Authenticate": 'Bearer realm="%s",service="fake",scope="%s"' % (realm, scope),
                   "Content-Type": "application/json"})
        return False

    def token(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        if MODE == "token-basic":
            want = "Basic " + base64.b64encode(b"volt:s3cret").decode()
            if self.headers.get("Authorization") != want:
                return self.error(401, "UNAUTHORIZED", "bad credentials for the token server")
        if q.get("service") != ["fake"] or len(q.get("scope", [])) != 1:
            return self.error(400, "DENIED", "token request without service or scope")
        return self.send(200, json.dumps({"token": "tok-" + q["scope"][0]}).encode(),
                         {"Content-Type": "application/json"})

    def do_GET(self):
        if self.path.startswith("/token"):
            return self.token()
        if self.path.startswith("/storage/"):
            if self.headers.get("Authorization"):
                return self.error(400, "LEAK", "credentials sent to blob storage")
            try:
                body = blob(self.path[len("/storage/"):])
            except OSError:
                return self.error(404, "BLOB_UNKNOWN", "no such blob in storage")
            return self.send(200, body, {"Content-Type": "application/octet-stream"})
        if MODE.startswith("token") and not self.token_ok():
            return
        if self.path == "/v2/":
            return self.send(200, b"{}", {"Content-Type": "application/json"})
        if MODE == "500":
            return self.error(500, "UNKNOWN", "simulated internal failure")
        m = re.fullmatch(r"/v2/(.+)/(manifests|blobs)/([^/]+)", self.path)
        if not m:
            return self.error(404, "NAME_UNKNOWN", "no such repository")
        kind, ref = m.group(2), m.group(3)
        if kind == "manifests":
            if MODE == "stall":
                time.sleep(3600)
            desc = top_manifest()
            digest = ref if ref.startswith("sha256:") else desc["digest"]
            try:
                body = blob(digest)
            except OSError:
                return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
            mt = json.loads(body).get("mediaType", desc["mediaType"])
            if MODE == "manifest-digest":
                body = body.replace(b'"schemaVersion": 2', b'"schemaVersion":  2')
            return self.send(200, body, {"Content-Type": mt, "Docker-Content-Digest": digest})
        if MODE == "token-redirect":
            return self.send(307, b"", {"Location": "http://localhost:%d/storage/%s" % (self.server.server_address[1], ref)})
        try:
            body = blob(ref)
        except OSError:
            return self.error(404, "BLOB_UNKNOWN", "blob unknown to registry")
        if MODE == "truncate-blobs" and len(body) > 1024:
            body = body[: len(body) // 2]
        return self.send(200, body, {"Content-Type": "application/octet-stream", "Docker-Content-Digest": ref})

    do_HEAD = do_GET


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
