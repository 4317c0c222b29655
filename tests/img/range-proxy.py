#!/usr/bin/env python3
"""A loopback proxy in front of a real registry that mishandles Range.

Usage: range-proxy.py PORTFILE UPSTREAM MODE LOG
  ignore: drops the Range header, so blobs come back whole with 200
          (as from a registry or cache that does not do ranges);
  short:  answers ranged blob GETs with 206 and one byte too few.
Every ranged request is logged to LOG ("range 206|200 PATH").
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import http.client
import http.server
import socketserver
import sys

portfile, upstream, mode, log = sys.argv[1:5]


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        rng = headers.pop("Range", None)
        if rng is not None and mode == "short":
            headers["Range"] = rng
        conn = http.client.HTTPConnection(upstream, timeout=30)
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if rng is not None:
            if mode == "short" and resp.status == 206:
                data = data[:-1]
            with open(log, "a") as f:
                f.write("range %d %s\n" % (resp.status, self.path))
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = forward


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Proxy)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
