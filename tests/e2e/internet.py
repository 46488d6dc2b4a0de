"""The "internet" of the gateway test: run as a script inside the internet namespace.

- tcp/80 (IPv4 and IPv6): ``/generate_204`` answers 204, ``/whoami`` the peer's address,
  anything else 200 ``internet``; every answer carries ``X-Served-By: internet`` so a test
  can tell it from the portal's own probe answers.
- tcp/443: accepts and closes (a listener, so a refusal seen by a client is the gateway's).
- tcp/7000: echoes what it receives (for long-lived connections); udp/7000 echoes datagrams,
  on each address given as an argument (so each answer comes from the address asked).

Prints ``ready`` once everything listens; stops on SIGTERM.
"""

from __future__ import annotations

import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType

MARK = ("X-Served-By", "internet")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/generate_204":
            self.send_response(204)
            self.send_header(*MARK)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.client_address[0].encode() if self.path == "/whoami" else b"internet"
        self.send_response(200)
        self.send_header(*MARK)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"http {self.client_address[0]} {format % args}\n")


class DualStackServer(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def listener(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind(("::", port))
    sock.listen(64)
    return sock


def accept_and_close(sock: socket.socket) -> None:
    while True:
        conn, peer = sock.accept()
        sys.stderr.write(f"443 {peer[0]}\n")
        conn.close()


def echo(conn: socket.socket) -> None:
    with conn:
        while data := conn.recv(4096):
            conn.sendall(data)


def echo_server(sock: socket.socket) -> None:
    while True:
        conn, peer = sock.accept()
        sys.stderr.write(f"7000 {peer[0]}\n")
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


def udp_echo(address: str) -> None:
    sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 7000))
    while True:
        data, peer = sock.recvfrom(2048)
        sys.stderr.write(f"udp/7000 {peer[0]}\n")
        sock.sendto(data, peer)


def main() -> None:
    http = DualStackServer(("::", 80), Handler)
    for target, port in ((accept_and_close, 443), (echo_server, 7000)):
        threading.Thread(target=target, args=(listener(port),), daemon=True).start()
    for address in sys.argv[1:]:
        threading.Thread(target=udp_echo, args=(address,), daemon=True).start()

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=http.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    http.serve_forever()


if __name__ == "__main__":
    main()
