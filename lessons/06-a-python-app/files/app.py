"""A small web app, written with Flask."""
import platform
import socket

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    text = f"Hello from Python {platform.python_version()} and Flask, in the container {socket.gethostname()}!\n"
    return text, 200, {"Content-Type": "text/plain; charset=utf-8"}


if __name__ == "__main__":
    # 0.0.0.0: every address the container has. Flask's default, 127.0.0.1, is the container's
    # own loopback, which a published port never reaches.
    app.run(host="0.0.0.0", port=5000)
