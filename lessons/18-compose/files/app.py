"""A page that counts its visits in Redis, with only Python's standard library."""
import socket
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT = 8000
# The Compose service's name is its host name on the project's network.
REDIS = ("redis", 6379)


def incr(key):
    """Redis's INCR in its own protocol, RESP: the command as a list of strings, answered by :<number>."""
    command = f"*2\r\n$4\r\nINCR\r\n${len(key)}\r\n{key}\r\n"
    with socket.create_connection(REDIS, timeout=2) as connection:
        connection.sendall(command.encode())
        reply = connection.recv(64).decode()
    if not reply.startswith(":"):
        raise RuntimeError(reply.strip())
    return int(reply[1:])


class Counter(BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            visits = incr("visits")
            status, text = 200, f"Hello from Compose! This page has been visited {visits} time{'' if visits == 1 else 's'}.\n"
        except (OSError, RuntimeError) as error:
            status, text = 503, f"Can't reach Redis at {REDIS[0]}:{REDIS[1]}: {error}\n"
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


print(f"Listening on port {PORT}", flush=True)
HTTPServer(("", PORT), Counter).serve_forever()
