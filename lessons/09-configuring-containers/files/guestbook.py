"""A guest book. `python guestbook.py` serves it on port 8000;
`python guestbook.py sign NAME` adds a signature and exits.
Signatures are kept in /data/signatures.txt."""
import os
import socket
import sys
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

BOOK = "/data/signatures.txt"


def sign(name):
    os.makedirs(os.path.dirname(BOOK), exist_ok=True)
    when = datetime.now(timezone.utc).strftime("%H:%M:%S")
    with open(BOOK, "a") as book:
        book.write(f"{name}, at {when}, from container {socket.gethostname()}\n")
    print(f"Signed by {name}.")


def signatures():
    try:
        with open(BOOK) as book:
            return book.read().splitlines()
    except FileNotFoundError:
        return []


class GuestBook(BaseHTTPRequestHandler):
    def do_GET(self):
        names = signatures()
        lines = [f"{GREETING}! This page comes from container {socket.gethostname()}."]
        if names:
            lines.append(f"The guest book has {len(names)} signature(s), kept in the volume at /data:")
            lines += [f"  - {line}" for line in names]
        else:
            lines.append("The guest book is empty.")
        body = ("\n".join(lines) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if len(sys.argv) == 3 and sys.argv[1] == "sign":
    sign(sys.argv[2])
else:
    # The greeting comes from the environment: no default here, on purpose.
    GREETING = os.environ["GREETING"]
    print(f"Guest book open on port 8000, greeting: {GREETING}", flush=True)
    HTTPServer(("", 8000), GuestBook).serve_forever()
