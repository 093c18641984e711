"""A tiny web app that uses only Python's standard library."""
import platform
import socket
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT = 5000
GREETING = "Hi"


class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        body = (
            f"{GREETING} from Python {platform.python_version()}, "
            f"in the container {socket.gethostname()}!\n"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


print(f"Listening on port {PORT}", flush=True)
HTTPServer(("", PORT), Hello).serve_forever()
