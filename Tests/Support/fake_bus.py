#!/usr/bin/python3
"""A broken D-Bus session bus on a Unix socket, to check that the helper never hangs on one.

  fake_bus.py SOCKET_PATH MODE

  silent     accepts connections, reads everything, never answers (not even the authentication)
  rejected   refuses the authentication: "REJECTED EXTERNAL"
  garbage    accepts the authentication, then answers the first message with bytes that are not a D-Bus message
  hangup     accepts the authentication, then closes the connection when the first message arrives

Runs until killed; serves one connection at a time.
"""
import os
import socket
import sys


def main(path, mode):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".tmp")
    os.rename(path + ".tmp", path)  # appears only once it is bound
    server.listen(8)
    while True:
        connection, _ = server.accept()
        received = b""
        authenticated = False
        while True:
            data = connection.recv(65536)
            if not data:
                break
            received += data
            if mode == "silent":
                continue
            # The authentication is line by line (the client waits for each answer, as GDBus does).
            while not authenticated and b"\r\n" in received:
                line, received = received.split(b"\r\n", 1)
                line = line.lstrip(b"\0")
                if line == b"AUTH":  # the client asks which mechanisms there are
                    connection.sendall(b"REJECTED EXTERNAL\r\n")
                elif line.startswith(b"AUTH"):
                    if mode == "rejected":
                        connection.sendall(b"REJECTED EXTERNAL\r\n")
                    else:
                        connection.sendall(b"OK 0123456789abcdef0123456789abcdef\r\n")
                elif line.startswith(b"NEGOTIATE_UNIX_FD"):
                    connection.sendall(b"AGREE_UNIX_FD\r\n")
                elif line.startswith(b"BEGIN"):
                    authenticated = True
                else:
                    connection.sendall(b"ERROR\r\n")
            if authenticated and received:
                if mode == "garbage":
                    connection.sendall(b"this is not a D-Bus message at all\r\n" * 4)
                    received = b""
                    continue
                if mode == "hangup":
                    break
        connection.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
