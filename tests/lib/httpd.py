#!/usr/bin/env python3
"""A test web server for imgadm's URL imports, on 127.0.0.1 only.

usage: httpd.py DIR PORTFILE CERT KEY

Serves DIR over http and https (CERT and KEY: the server's certificate and
key, PEM) on two free ports, which it writes to PORTFILE as "HTTP HTTPS"
once both listen. Paths:

  /NAME              the file DIR/NAME, with Content-Length
  /chunked/NAME      the same without a length (chunked)
  /stall/NAME        headers and the first 64 KiB, then nothing for 600 s
  /redirect/N/NAME   N redirects (302), then /NAME on the same server
  /to-http/NAME      a redirect to /NAME on the plain http port
  anything else      404
"""
import http.server
import os
import ssl
import sys
import threading
import time

root, portfile, cert, key = sys.argv[1:5]
ports = {}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the test prints what matters
        pass

    def file(self, name):
        path = os.path.join(root, name)
        if "/" in name or not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            return f.read()

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        parts = self.path.split("?")[0].lstrip("/").split("/")
        if parts[0] == "redirect" and len(parts) == 3:
            n = int(parts[1])
            self.redirect("/%s" % parts[2] if n <= 1 else "/redirect/%d/%s" % (n - 1, parts[2]))
            return
        if parts[0] == "to-http" and len(parts) == 2:
            self.redirect("http://127.0.0.1:%d/%s" % (ports["http"], parts[1]))
            return
        mode = parts[0] if len(parts) == 2 else "plain"
        data = self.file(parts[-1]) if mode in ("plain", "chunked", "stall") else None
        if data is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if mode == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(data), 65536):
                chunk = data[i:i + 65536]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if mode == "stall":
            self.wfile.write(data[:65536])
            self.wfile.flush()
            time.sleep(600)
            return
        self.wfile.write(data)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that give up (the point of several tests) are not news


def serve(name, context=None):
    srv = Server(("127.0.0.1", 0), Handler)
    if context:
        srv.socket = context.wrap_socket(srv.socket, server_side=True)
    ports[name] = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
serve("http")
serve("https", ctx)
with open(portfile + ".tmp", "w") as f:
    f.write("%d %d\n" % (ports["http"], ports["https"]))
os.rename(portfile + ".tmp", portfile)
threading.Event().wait()
