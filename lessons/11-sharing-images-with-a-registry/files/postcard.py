"""A postcard, served on port 8000. It is signed by whoever built the image."""
import os
import socket
from http.server import BaseHTTPRequestHandler, HTTPServer

SIGNED = os.environ.get("POSTCARD_FROM") or "(unsigned: set POSTCARD_FROM in the Dockerfile)"
MESSAGE = os.environ.get("POSTCARD_MESSAGE", "")


class Postcard(BaseHTTPRequestHandler):
    def do_GET(self):
        body = (
            "Greetings from the class registry!\n\n"
            f"  {MESSAGE}\n"
            f"  -- {SIGNED}\n\n"
            f"(delivered by container {socket.gethostname()})\n"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


print("Postcard ready on port 8000", flush=True)
HTTPServer(("", 8000), Postcard).serve_forever()
