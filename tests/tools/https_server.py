#!/usr/bin/env python3
"""Loopback HTTPS server for tests/t/10-http.t.

It answers under any host name (the tests reach it as a.test and b.test
through pecctl's --sandbox) and tells the client what it received:

  /echo                 "method M", "path P", "host H", "header name: value"
                        (names lower-case, sorted), "body-length N", a blank
                        line, then the request body
  /redirect?code=C&to=U answer C with Location: U
  /loop                 redirect to itself, for ever
  /set-cookie?name=N&value=V
  /big?n=BYTES[&chunked=1]
  /slow?s=SECONDS       answer after a pause
  /drop                 read the request, close without answering
  /drop-once?id=I       like /drop the first time id I is seen, then /echo

  https_server.py --cert server.pem --key server.key --port-file FILE
"""
import argparse
import gzip
import http.server
import os
import ssl
import sys
import time
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is visible
    disable_nagle_algorithm = True  # headers and body go out separately

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if not any(n.lower() == "content-type" for n, _ in headers):
            self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""

        if url.path == "/echo":
            lines = ["method " + self.command, "path " + self.path,
                     "host " + (self.headers.get("Host") or "")]
            for name in sorted(set(k.lower() for k in self.headers.keys())):
                for value in self.headers.get_all(name):
                    lines.append("header %s: %s" % (name, value))
            lines.append("body-length %d" % len(body))
            text = ("\n".join(lines) + "\n\n").encode() + body
            self.reply(200, text, [("X-Dup", "one"), ("X-Dup", "two")])
        elif url.path == "/redirect":
            self.reply(int(query.get("code", "302")), b"moved\n",
                       [("Location", query.get("to", "/echo"))])
        elif url.path == "/loop":
            self.reply(302, b"again\n", [("Location", "/loop")])
        elif url.path == "/set-cookie":
            cookie = "%s=%s; Path=/; Secure; HttpOnly" % (query["name"], query["value"])
            self.reply(200, b"cookie set\n", [("Set-Cookie", cookie),
                                              ("Set-Cookie", "other=1; Path=/")])
        elif url.path == "/big":
            n = int(query.get("n", "0"))
            if query.get("chunked"):
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for _ in range(0, n, 1000):
                    self.wfile.write(b"3e8\r\n" + b"x" * 1000 + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.reply(200, b"x" * n, [("Content-Type", "application/octet-stream")])
        elif url.path == "/gzip":
            # compressed only for a client that says it takes gzip
            text = b"compressed page " * 64
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                self.reply(200, gzip.compress(text), [("Content-Encoding", "gzip")])
            else:
                self.reply(200, text)
        elif url.path == "/slow":
            time.sleep(float(query.get("s", "2")))
            self.reply(200, b"late\n")
        elif url.path == "/drop" or (url.path == "/drop-once" and
                                     query.get("id") not in self.server.seen):
            self.server.seen.add(query.get("id"))
            self.close_connection = True
        elif url.path == "/drop-once":
            self.reply(200, b"second copy\n")
        else:
            self.reply(404, b"not found\n")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    seen = set()  # /drop-once ids

    def handle_error(self, request, client_address):
        # Clients that give up (timeouts, refused certificates) are expected.
        sys.stderr.write("%s: %s\n" % (client_address, sys.exc_info()[1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    server = Server(("127.0.0.1", 0), Handler)
    # Handshake in the handler thread, so one stuck client can't block accept.
    server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                    do_handshake_on_connect=False)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
