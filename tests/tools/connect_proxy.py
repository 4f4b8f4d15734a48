#!/usr/bin/env python3
"""Loopback HTTP proxy for tests/t/13-proxy.t.

Writes each request line it receives to the log, one line each; a
"CONNECT host:port" it answers by opening a tunnel to host:port and relaying
both ways, anything else with 405.

  connect_proxy.py --port-file FILE --log FILE
"""
import argparse
import os
import socket
import socketserver
import threading


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline().decode("latin-1").rstrip("\r\n")
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # the request's headers
        with self.server.log_lock, open(self.server.log, "a") as log:
            log.write(line + "\n")
        method, target = (line.split(" ") + ["", ""])[:2]
        if method != "CONNECT":
            self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        host, _, port = target.rpartition(":")
        try:
            upstream = socket.create_connection((host, int(port)), timeout=10)
        except OSError:
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        relay = threading.Thread(target=pipe, args=(upstream, self.connection), daemon=True)
        relay.start()
        pipe(self.connection, upstream)
        relay.join(timeout=10)
        upstream.close()


def pipe(src, dst):
    """Copy src to dst until src ends, then end dst's writing side."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    server = Server(("127.0.0.1", 0), Handler)
    server.log = args.log
    server.log_lock = threading.Lock()
    open(args.log, "w").close()
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
